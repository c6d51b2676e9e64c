"""Which of an ONNX graph's outputs is the network digitnet reads, and the graphs it refuses for
their outputs.

A digitnet network has one output, its probabilities. A graph may give more than that and still
be one network: skl2onnx's give the label too (``ArgMax`` of the probabilities, looked up in the
class labels), and its ``ZipMap`` turns the probabilities into one dictionary per example. Any
other output, one computed from the input by another way than through the network's last layer
(a second head on a shared body, a hidden layer's activations), is computation digitnet would
drop: :func:`check_outputs` refuses such a graph, naming its outputs, rather than reading one
head of it as if it were the whole.

Nodes that feed no output (dead ones: an exporter's leftovers, a head nobody returns) compute
nothing the graph gives, as ONNX runtimes run only what the outputs need: the reader follows the
outputs back (:func:`live`) and never looks at those nodes, not even for a ``ZipMap`` or the
class labels.
"""

from __future__ import annotations

from ..errors import UnsupportedModelError

__all__ = ["live", "network_output", "check_outputs"]

#: Operators whose result depends on their input's shape only, not on its values.
_SHAPE_ONLY = ("Shape", "Size")
#: The operators of a layer's weights: the tensors from the last of them on are the network's
#: output (its z, its probabilities), what a label or another form of them is computed from.
_LAYERS = ("Gemm", "MatMul")


def live(nodes, producer: dict, outputs) -> list:
    """The ``nodes`` (in the graph's order) that some graph output needs: each output's
    producer, and theirs, back to the input and the constants."""
    needed, todo = set(), [o.name for o in outputs]
    while todo:
        node = producer.get(todo.pop())
        if node is not None and id(node) not in needed:
            needed.add(id(node))
            todo += [t for t in node.input if t]
    return [node for node in nodes if id(node) in needed]


def network_output(nodes, outputs, name: str, reads: str) -> str:
    """The tensor holding the network's probabilities: what skl2onnx's ZipMap reads, of the
    live ``nodes``, else the first floating-point output."""
    for node in nodes:
        if node.op_type == "ZipMap":
            return node.input[0]
    for out in outputs:
        if out.type.tensor_type.elem_type in (1, 11):  # FLOAT, DOUBLE
            return out.name
    raise UnsupportedModelError(f"{name}: no floating-point output; {reads}")


def check_outputs(graph, chain: list) -> None:
    """Refuse ``graph`` (the reader's ``_Graph``) when an output is not computed from the network
    that ``chain`` (the nodes from the input to the probabilities, in order) computes: one that
    depends on the input by another way, or not on the network at all."""
    last = max((i for i, node in enumerate(chain) if node.op_type in _LAYERS), default=0)
    ends = {t for node in chain[last:] for t in node.output}
    apart = [out.name for out in graph.outputs if not _of_network(graph, out.name, ends)]
    if apart:
        names = [out.name for out in graph.outputs]
        shown = ", ".join(names[:5]) + (f", and {len(names) - 5} more" if len(names) > 5 else "")
        raise UnsupportedModelError(
            f"{graph.name}: the graph has {len(names)} outputs ({shown}); digitnet reads a "
            "network with one: export a model whose forward returns only the output you want")


def _of_network(graph, tensor: str, ends: set) -> bool:
    """Whether ``tensor`` is computed from the network's output (a tensor of ``ends``) and
    from constants, never from the input by another way."""
    found, seen, todo = False, set(), [tensor]
    while todo:
        t = todo.pop()
        if t in seen or t in graph.constants:
            continue
        seen.add(t)
        if t in ends:
            found = True
            continue
        if t == graph.input.name:
            return False
        node = graph.producer.get(t)
        if node is not None and node.op_type not in _SHAPE_ONLY:
            todo += [i for i in node.input if i]
    return found
