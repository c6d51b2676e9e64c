"""digitnet.evaluate's result in a notebook, with the suite's trained networks and real held-out
data: a summary as a network's and a training result's are (accuracy, loss, how many, each
class's accuracy by the class's name, the confusion matrix as a table with the classes' names),
and a short repr, rounded, with no list of floats nor 10x10 matrix in it (it was one long line
of unrounded floats and a flat confusion list). Its fields are as they were."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import numpy as np
from IPython.core.formatters import DisplayFormatter
from sklearn.datasets import load_wine

import digitnet

HELD_OUT = slice(20000, 21000)  # real digits the drawing model did not train on


def shown(obj) -> dict:
    data, _ = DisplayFormatter().format(obj)
    return data


def tables(html: str) -> list[list[list[str]]]:
    """Each <table> of ``html`` as its rows of cells' text."""
    return [[[unescape(re.sub(r"<[^>]+>", "", cell)) for cell in
              re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
             for row in re.findall(r"<tr>(.*?)</tr>", table)]
            for table in re.findall(r"<table>(.*?)</table>", html)]


def test_an_evaluation_shows_its_figures_by_class_and_its_confusion(drawing_model, mnist):
    net = digitnet.load(drawing_model)
    ev = digitnet.evaluate(net, mnist.x[HELD_OUT], mnist.labels[HELD_OUT])
    assert [f.name for f in dataclasses.fields(ev)] == ["accuracy", "loss", "n", "per_class",
                                                        "confusion"]
    data = shown(ev)
    html = data["text/html"]
    assert html.startswith('<div class="digitnet-summary"><p><b>Evaluation</b>: ')
    figures, per_class, confusion = tables(html)
    right = int(round(ev.accuracy * 1000))
    assert figures == [["accuracy", f"{ev.accuracy:.2%} ({right} of 1,000 read right)"],
                       ["loss", f"{ev.loss:.4f}"], ["examples", "1,000"]]
    names = [str(c) for c in range(10)]
    assert per_class[0] == ["class", *names]
    assert per_class[1] == ["accuracy", *(f"{a:.2%}" for a in ev.per_class)]
    counts = np.bincount(mnist.labels[HELD_OUT], minlength=10)
    assert per_class[2] == ["examples", *(f"{n:,}" for n in counts)]
    assert confusion[0][1:] == names
    assert [row[0] for row in confusion[1:]] == names
    assert [[int(v) for v in row[1:]] for row in confusion[1:]] == ev.confusion
    # the text a notebook shows where HTML is not drawn: one short line
    text = data["text/plain"]
    assert text == repr(ev) and "\n" not in text and len(text) < 150
    low, high = int(np.argmin(ev.per_class)), int(np.argmax(ev.per_class))
    assert text == (f"Evaluation(accuracy={ev.accuracy:.4f}, loss={ev.loss:.4f}, n=1000, "
                    f"per_class=<10 classes, {ev.per_class[low]:.4f} ({low}) to "
                    f"{ev.per_class[high]:.4f} ({high})>, confusion=<10x10>)")
    assert ev.to_dict() == dataclasses.asdict(ev)  # (the figures, as before)


def test_the_classes_are_named_as_the_model_names_them():
    """A model of wines by their cultivars' names ("class_0", ...): so its classes are shown."""
    wine = load_wine()
    names = wine.target_names[wine.target]
    net = digitnet.train(wine.data, names, epochs=2, handle_signals=False).network
    ev = digitnet.evaluate(net, wine.data, names)
    assert ev.classes == ["class_0", "class_1", "class_2"]
    _, per_class, confusion = tables(shown(ev)["text/html"])
    assert per_class[0] == ["class", "class_0", "class_1", "class_2"]
    assert [row[0] for row in confusion] == ["true class ↓ read as →", "class_0", "class_1",
                                             "class_2"]
    assert re.search(r"per_class=<3 classes, [\d.]+ \(class_\d\) to [\d.]+ \(class_\d\)>",
                     repr(ev))
