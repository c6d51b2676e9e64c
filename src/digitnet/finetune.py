"""Starting from a trained model's weights (``digitnet train --init MODEL``): fine-tuning.

A network trained on MNIST already knows strokes and loops; trained further on a few hundred
pictures of your own handwriting, it learns your 7s without forgetting what a 7 is. A
:class:`Start` is the model a run starts from. :func:`digitnet.training.train` uses it to

* check that the new run's network is the model's: the same layer sizes (layer 0, the input,
  the data's pixels or columns; layer L, the output, its classes), activation and output
  (:meth:`Start.check`), each difference named;
* keep the model's input record (:meth:`Start.input_for`): a table model's column means and
  standard deviations stay those its weights were trained with;
* number the data's classes as the model does (by name), and score the model on the new
  validation split before training, so the report can say what fine-tuning gained;
* record in the new model's metadata (``metadata["init"]``) what it started from: the file,
  the SHA-256 of its parameters, its layers and training data, and that score.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from . import inputs, modelfile, words
from .config import TrainConfig
from .errors import ConfigError
from .inputs import Input, Table
from .network import Network

__all__ = ["Start", "check_reads", "start_from"]


@dataclass
class Start:
    """The model a run starts from, and what the new model will record about it."""

    network: Network
    record: dict  # "model", "params_sha256", "sizes", "trained_on"; later "val_accuracy", ...

    @property
    def name(self) -> str:
        return f"--init {self.record['model']}" if self.record["model"] else "the init model"

    @property
    def option(self) -> str:
        """How the model was given: "--init" (a file, as the CLI names it) or "init" (a network
        passed to :func:`digitnet.train`)."""
        return "--init" if self.record["model"] else "init"

    def check(self, config: TrainConfig) -> None:
        """A ConfigError naming every way ``config``'s network differs from the model's."""
        start, problems = self.network, []
        if tuple(config.sizes) != tuple(start.sizes):
            problems.append(_layer_differences(start.sizes, config.sizes))
        for field, theirs in (("activation", start.activation.name),
                              ("output", start.output_function.name)):
            if getattr(config, field) != theirs:
                problems.append(f"its {field} is {theirs}, the run's {getattr(config, field)}")
        if problems:
            raise ConfigError(f"{self.name}: " + "; ".join(problems)
                              + f"; train on data of the model's shape, or without {self.option}")

    def input_for(self, data_input: Input) -> Input:
        """The model's own input record, after checking that the data is what it reads
        (:func:`check_reads`)."""
        mine = inputs.of(self.network)
        check_reads(mine, data_input, self.name, self.option)
        return mine


def check_reads(reads: Input, data: Input, name: str, option: str) -> None:
    """A ConfigError unless data of input ``data`` is what a model reading ``reads`` reads: the
    same kind and number of inputs, and for a table the same columns in its order (by name,
    unless one side's were never named, whose columns are then read in order). ``name`` names
    the model ("--init m.safetensors", "--teacher t.safetensors"), ``option`` the option that
    gave it: the model --init starts from, and a teacher (:mod:`digitnet.distillation`)."""
    if type(reads) is not type(data) or reads.n_inputs != data.n_inputs:
        raise ConfigError(f"{name}: the model reads {reads.describe()}, the data has "
                          f"{data.describe()}; train on data of the model's kind, or without "
                          f"{option}")
    unnamed = tuple(f"x{i}" for i in range(data.n_inputs))  # an array's columns
    # (columns never named, on either side, are read in order, as evaluate reads them)
    if isinstance(reads, Table) and unnamed not in (reads.columns, data.columns) \
            and data.columns != reads.columns:
        i = next(i for i, (a, b) in enumerate(zip(reads.columns, data.columns)) if a != b)
        raise ConfigError(f"{name}: column {i + 1} is {reads.columns[i]!r} for the model and "
                          f"{data.columns[i]!r} in the data; give the columns the model was "
                          "trained on, in its order")


def start_from(init: str | os.PathLike | Network | Start) -> Start:
    """A :class:`Start` from a model file (read with :func:`digitnet.modelfile.load`) or a
    :class:`Network` (a Start is returned as it is)."""
    if isinstance(init, Start):
        return init
    if isinstance(init, Network):
        net, path = init, None
    else:
        net, path = modelfile.load(init), str(init)
    trained_on = ((net.metadata.get("data") or {}).get("train") or {}).get("name")
    return Start(net, {"model": path,
                       "params_sha256": hashlib.sha256(net.params.tobytes()).hexdigest(),
                       "sizes": list(net.sizes), "trained_on": trained_on})


def _layer_differences(theirs: tuple[int, ...], ours: tuple[int, ...]) -> str:
    """How two networks' layer sizes differ, layer by layer (0 = input, L = output)."""
    shown = f"its layers are {'-'.join(map(str, theirs))}, the run's {'-'.join(map(str, ours))}"
    if len(theirs) != len(ours):
        return shown + f" ({words.counted(len(theirs) - 2, 'hidden layer')}, not {len(ours) - 2})"
    last = len(ours) - 1
    what = {0: ("input", "inputs in the data"), last: ("output", "classes in the data")}
    parts = []
    for l, (a, b) in enumerate(zip(theirs, ours)):
        if a != b:
            layer, data = what.get(l, (f"hidden layer {l}", "asked for"))
            parts.append(f"{layer} layer {a} neurons, {b} {data}" if l in what
                         else f"{layer} {a} neurons, {b} {data}")
    return shown + " (" + "; ".join(parts) + ")"
