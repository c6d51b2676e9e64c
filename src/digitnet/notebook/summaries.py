"""Networks, training results and evaluations as compact HTML tables, for a notebook to show.

``Network._repr_html_``, ``TrainResult._repr_html_`` and ``Evaluation._repr_html_`` call
these, so a network (trained, loaded from a model file with its metadata, imported or edited)
or a training result shows itself as its sizes, ``784·16+16 + 16·16+16 + 16·10+10 = 13,002``
parameters, the recipe it was trained with (the options that take effect in it,
:func:`digitnet.optionuse.idle_options`, and every option under a <details>), its data (a
folder or table here named from the working folder, as it was given, not from this machine's
root) and its accuracy (for a network changed by hand after training, with ``digitnet edit``,
the page's "Save" or :meth:`digitnet.poke.Changes.apply`: how many changes, and the accuracy
labelled as from before them). Its examples are counted in the words of the model's input
record (:attr:`digitnet.inputs.Input.noun`: images, rows of a table, recordings). An
evaluation shows its accuracy, loss, each class's accuracy and its confusion matrix, with the
classes' names.
This module imports nothing heavy, and of digitnet's only what imports no network
(:mod:`digitnet.inputs`, :mod:`digitnet.config`, :mod:`digitnet.optionuse`,
:mod:`digitnet.words`), so the classes can call it without a cycle.
"""

from __future__ import annotations

from html import escape

from .. import inputs
from ..errors import DigitnetError
from ..optionuse import recipe_parts
from ..words import data_name, duration

__all__ = ["network_html", "result_html", "evaluation_html", "edited_words"]

class _Html(str):
    """A table cell's contents written as HTML already (escaped where they must be)."""


#: The recipe's settings that the first line already says (the layers and their functions).
_SAID = ("sizes", "activation", "output")
_ROW = ('<tr><th style="text-align:left;padding-right:1em">{}</th>'
        '<td style="text-align:left">{}</td></tr>')


def network_html(net, title: str = "") -> str:
    """A network's summary: its layers, parameter count, recipe, data, changes made by hand
    since training and accuracy (then from before those changes)."""
    return _html(_network_rows(net), net, title)


def result_html(result) -> str:
    """A training result's summary: the network's, how long and on what it trained, and the
    history epoch by epoch."""
    rows = _network_rows(result.network)
    examples = _examples(result.network)
    rows.append(("trained", f"{len(result.history)} epochs in {duration(result.seconds)} on "
                            f"{result.n_train:,} {examples}, {result.n_val:,} held out for "
                            "validation"
                 + (" (stopped early)" if result.stopped_early else "")))
    return _html(rows, result.network, "Training result") + _history_html(result.history)


def _network_rows(net) -> list[tuple[str, str]]:
    meta = net.metadata
    rows = [("parameters", net.parameter_breakdown())]
    config = meta.get("config") or {}
    if config:
        rows.append(("recipe", _recipe(config)))
    data = (meta.get("data") or {}).get("train") or {}
    if data.get("name"):
        count = f" ({data['n']:,} {_examples(net)})" if isinstance(data.get("n"), int) else ""
        rows.append(("data", f"{data_name(data['name'])}{count}"))
    edited = edited_words(meta.get("changes") or [])
    if edited:
        rows.append(("edited", edited))
    accuracy = _accuracy(meta.get("metrics") or {})
    if accuracy:
        rows.append(("accuracy", ("before the edits: " if edited else "") + accuracy))
    if meta.get("imported"):
        rows.append(("imported", f"from {meta['imported'].get('from', '?')}"))
    if meta.get("digitnet_version"):
        rows.append(("saved", f"{meta.get('saved', '?')} by digitnet {meta['digitnet_version']}"))
    return rows


def _recipe(config: dict) -> _Html:
    """The options of the recipe that take effect in it (not dropout 0, nor a teacher's
    temperature without a teacher: :func:`digitnet.optionuse.recipe_parts`), then every option
    under a <details>; all of them at once for a record that is no recipe digitnet trains."""
    _, idle = recipe_parts(config)  # (a record edited by hand into no recipe: shown as it is)
    options = [(k, v) for k, v in config.items() if k not in _SAID]
    every = escape(", ".join(f"{k}={v}" for k, v in options))
    if not idle:
        return _Html(every)
    used = escape(", ".join(f"{k}={v}" for k, v in options if k not in idle))
    return _Html(f"{used}<details><summary>every option, those unused here too</summary>"
                 f"{every}</details>")


def _examples(net) -> str:
    """What ``net``'s examples are called, in the plural, as its input record names them
    ("images", "rows", "recordings"); "examples", as ``digitnet info`` says, for a record this
    digitnet cannot read (a summary is shown whatever the metadata holds)."""
    try:
        return inputs.of(net).noun
    except DigitnetError:
        return "examples"


def edited_words(changes) -> str:
    """The changes made by hand after training, counted from the metadata's "changes" (each
    saving's ``{"off": [...], "edits": [...]}``, see digitnet.poke.changes); "" if none. The
    summary table's "edited" row, and what the widget's heading says of the network."""
    saved = changes if isinstance(changes, list) else [changes]
    readable = [c for c in saved if isinstance(c, dict)
                and all(isinstance(c.get(k) or [], list) for k in ("off", "edits"))]
    off, edits = (sum(len(c.get(k) or []) for c in readable) for k in ("off", "edits"))
    told = [f"{off} neuron{'s' * (off != 1)} switched off"] if off else []
    told += [f"{edits} edit{'s' * (edits != 1)}"] if edits else []
    told += ["changes of a form this digitnet cannot read"] if len(readable) < len(saved) else []
    if not told:
        return ""
    return f"by hand after training: {' and '.join(told)} (digitnet info lists them)"


def _accuracy(metrics: dict) -> str:
    parts = [f"{name} {metrics[key]:.2%}" for key, name in
             (("test_accuracy", "test"), ("val_accuracy", "validation"))
             if isinstance(metrics.get(key), float)]
    return " · ".join(parts)


def _html(rows: list[tuple[str, str]], net, title: str) -> str:
    sizes = "–".join(map(str, net.sizes))
    head = (f"{escape(title)}: " if title else "") + (
        f"<b>{sizes} network</b>: "
        f"{escape(net.activation.name) + ' hidden' if len(net.sizes) > 2 else 'no hidden'} layers, "
        f"{escape(net.output_function.name)} output with "
        f"{escape(net.output_function.cost.replace('_', ' '))} cost")
    body = "".join(_ROW.format(escape(k), v if isinstance(v, _Html) else escape(v))
                   for k, v in rows)
    return f'<div class="digitnet-summary"><p>{head}</p><table>{body}</table></div>'


def _history_html(history: list[dict]) -> str:
    if not history:
        return ""
    cells = lambda values, tag: "".join(f"<{tag}>{v}</{tag}>" for v in values)  # noqa: E731
    head = cells(["epoch", "training loss", "validation loss", "validation accuracy"], "th")
    rows = "".join("<tr>" + cells([r["epoch"], f"{r['train_loss']:.4f}",
                                   _fmt(r.get("val_loss"), "{:.4f}"),
                                   _fmt(r.get("val_accuracy"), "{:.2%}")], "td") + "</tr>"
                   for r in history)
    return f"<details><summary>history</summary><table><tr>{head}</tr>{rows}</table></details>"


def _fmt(value, form: str) -> str:
    return "–" if value is None else form.format(value)


def evaluation_html(evaluation) -> str:
    """An evaluation's summary (:class:`digitnet.metrics.Evaluation`): its accuracy, loss and
    count, each class's accuracy by the class's name, and the confusion matrix with the
    classes' names, the examples read right on its diagonal in bold."""
    classes, confusion = [escape(c) for c in evaluation.classes], evaluation.confusion
    right = sum(row[i] for i, row in enumerate(confusion))
    rows = [("accuracy", f"{evaluation.accuracy:.2%} ({right:,} of {evaluation.n:,} read right)"),
            ("loss", f"{evaluation.loss:.4f}"), ("examples", f"{evaluation.n:,}")]
    body = "".join(_ROW.format(escape(k), escape(v)) for k, v in rows)
    cells = lambda values, tag: "".join(f"<{tag}>{v}</{tag}>" for v in values)  # noqa: E731
    per_class = (f"<tr>{cells(['class', *classes], 'th')}</tr><tr><th>accuracy</th>"
                 f"{cells((f'{a:.2%}' for a in evaluation.per_class), 'td')}</tr>"
                 f"<tr><th>examples</th>{cells((f'{sum(r):,}' for r in confusion), 'td')}</tr>")
    matrix = f"<tr>{cells(['true class ↓ read as →', *classes], 'th')}</tr>" + "".join(
        f"<tr><th>{name}</th>" + cells((f"<b>{v:,}</b>" if i == j else f"{v:,}"
                                        for j, v in enumerate(row)), "td") + "</tr>"
        for i, (name, row) in enumerate(zip(classes, confusion)))
    return (f'<div class="digitnet-summary"><p><b>Evaluation</b>: {evaluation.accuracy:.2%} '
            f"accurate on {evaluation.n:,} examples</p><table>{body}</table>"
            f"<p>Accuracy by class</p><table>{per_class}</table>"
            f"<p>Confusion (how many of each true class were read as each class)</p>"
            f"<table>{matrix}</table></div>")
