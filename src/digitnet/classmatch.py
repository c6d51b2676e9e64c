"""Lining up a data set's classes with a model's: the labels numbered as the model numbers them.

A model's output neuron k is its class ``classes[k]``; a data set's label i is its class
``data.classes[i]``. Each side names its classes (class folders, a table's labels, a known
dataset's names: "T-shirt/top", ...) or only numbers them: an IDX file's labels are bare
numbers, so its classes are "0", "1", ...; so are those of arrays of integer labels 0..n-1, and
of a model whose file records no names (:func:`digitnet.inputs.classes_of`). :func:`match`:

* Names in common: matched by name, so that a file holding some of a model's classes (or in
  another order) keeps their meaning; a class the model does not have is refused if any
  example is of it. A model whose classes are the digits' English names (zero ... nine, any
  case; folders ``zero/`` ... ``nine/``) takes the digits 0-9 by meaning: MNIST's 0 as 'zero'.
* No name in common, and one side only numbers its classes: matched by position (label i is
  the model's class i), if the labels fit in the model's classes; a UserWarning says so, with
  the pairing (MNIST's digits scored by a Fashion-MNIST model are read as clothes: 0 as
  'T-shirt/top', ...), which the command line shows as a note. Not so for a model whose
  classes are words in alphabetical order, as digitnet sorts the labels it learns from (a
  table's, class folders'): their order says nothing of the numbers, and it is refused.
* No name in common and both sides name their classes: refused. A digit model scored on
  folders ``seven/`` and ``three/``, or on Fashion-MNIST's clothes, would otherwise be scored
  on classes it does not have.

:func:`for_model` checks first that the data is of the kind the model reads (pictures,
recordings, a table): another kind's classes would mean nothing to it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from . import inputs, kinds
from .arrays import number_or_none
from .errors import DataError, listed

__all__ = ["NUMBER_WORDS", "check_kind", "check_not_digits_for", "for_model", "match",
           "numbered"]

#: The English names of the digits 0-9, which a data set's classes may be named by.
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def numbered(names: Sequence[str]) -> bool:
    """Whether class names ``names`` are only numbers, "0", "1", ..., "n-1" (an IDX file's)."""
    return tuple(names) == tuple(str(i) for i in range(len(names)))


def match(labels: np.ndarray, classes: Sequence[str], model_classes: Sequence[str], name: str,
          what: str = "the model", *, named: bool = True,
          init: str | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """(labels, classes) of data ``name`` numbered as ``model_classes`` (see the module).

    Parameters
    ----------
    labels : np.ndarray
        uint8, shape (n,): indices into ``classes``, the data's class names.
    model_classes : sequence of str
        The model's class names, one per output neuron.
    what : str
        The model, as the messages name it: for a model a run starts from, its
        :attr:`digitnet.finetune.Start.name` ("--init MODEL").
    named : bool
        Whether the model names its classes; False for a model whose file records no names
        (then ``model_classes`` are "0", "1", ...).
    init : str, optional
        For a model a run starts from, how it was given (:attr:`digitnet.finetune.Start.option`:
        "--init" or "init"): the messages then say to train without it.

    Returns the labels as indices into the classes returned: ``model_classes``, or, matched by
    position with a model that only numbers its classes, the data's names. DataError when
    they cannot be matched (the message says what to do); a UserWarning when they are
    matched by position (:func:`_by_position`).
    """
    classes, model_classes = tuple(classes), tuple(str(c) for c in model_classes)
    if classes == model_classes:
        return labels, classes
    classes = _by_meaning(classes, model_classes)
    known = set(model_classes)
    if known.isdisjoint(classes):
        if named and not numbered(classes):
            raise DataError(f"{name}: class{'es' if len(classes) > 1 else ''} "
                            f"{_few(classes, quoted=True)} {'are' if len(classes) > 1 else 'is'}"
                            f" none of the classes of {what} ({_few(model_classes)}); "
                            + _other_classes(init, "name the data's classes (class folders, a "
                                             "table's labels) as it names them, or use a model "
                                             "trained on these classes"))
        if len(labels) and int(labels.max()) >= len(model_classes):
            raise DataError(f"{name}: labels go up to {int(labels.max())} but {what} has "
                            f"{len(model_classes)} classes ({_few(model_classes)}); "
                            + _other_classes(init, "give data of its classes, or a model "
                                             "trained on these"))
        if named and _sorted_words(model_classes):
            raise DataError(f"{name}: its classes are numbers ({_few(classes)}) and those of "
                            f"{what} are words in alphabetical order ({_few(model_classes)}), "
                            "so which number is which word is not known; "
                            + _other_classes(init, "label the data with the model's words, or "
                                             "use a model trained on these numbers"))
        # Not pointed at the caller, and naming no model (``what``), so that it is said once
        # (Python shows a warning once from one place) by a run matching its training data to
        # --init MODEL and its test data to the classes it trained on ("the model"), or by a
        # command matching the train and test parts of the data.
        if classes:
            warnings.warn(_by_position(name, classes, model_classes, named), UserWarning,
                          stacklevel=1)
        return labels, model_classes if named else classes
    used = set(np.unique(labels).tolist())  # (IDX data names "0".."9" whichever it holds)
    unknown = [c for i, c in enumerate(classes) if c not in known and i in used]
    if unknown:
        raise DataError(f"{name}: class{'es' if len(unknown) > 1 else ''} "
                        f"{', '.join(map(repr, unknown[:5]))} unknown to {what}, whose "
                        f"classes are {', '.join(model_classes[:12])}"
                        f"{', ...' if len(model_classes) > 12 else ''}")
    mapping = np.array([model_classes.index(c) if c in known else 0 for c in classes],
                       dtype=np.uint8)
    return mapping[labels], model_classes


def _by_meaning(classes: tuple[str, ...], model_classes: tuple[str, ...]) -> tuple[str, ...]:
    """``classes`` with each digit 0-9 named as the model names it, when they are all digits
    and the model's classes all their English names (:data:`NUMBER_WORDS`, any case): "0" as
    the model's "zero"; else ``classes`` as they are. (Data named in words for a model of the
    digits is refused, as other names are: folders seven/ and three/.)"""
    words = [c.lower() for c in model_classes]
    if not (set(words) <= set(NUMBER_WORDS) and set(classes) <= set(_DIGITS)):
        return classes
    meant = {NUMBER_WORDS.index(w): c for w, c in zip(words, model_classes)}
    return tuple(meant.get(int(c), c) for c in classes)


_DIGITS = tuple(str(i) for i in range(10))


def _sorted_words(names: tuple[str, ...]) -> bool:
    """Whether class names ``names`` are words (not numbers), two or more, in the order
    digitnet sorts the labels it learns from: an order of the alphabet, which means nothing."""
    return (len(names) > 1 and list(names) == sorted(names)
            and not any(number_or_none(n) is not None for n in names))


def _by_position(name: str, classes: Sequence[str], model_classes: Sequence[str],
                named: bool = True) -> str:
    """The note that data ``name``'s classes are matched to the model's by position: which
    side only numbers its classes (``named``: the model names them), how the first few are
    paired ("0 is read as 'T-shirt/top', 1 as 'Trouser', ..."), and what to do if that is wrong."""
    n = min(len(classes), len(model_classes))
    if named:
        pairs = [(str(i), repr(model_classes[i])) for i in range(n)]
        sides = "its classes are numbers and the model's are names"
        remedy = ("give data that names its classes as the model does (class folders, a "
                  "table's labels), or use a model trained on these classes")
    else:
        pairs = [(repr(classes[i]), str(i)) for i in range(n)]
        sides = "its classes are names and the model only numbers its own (it records no names)"
        remedy = (f"label the data with the model's numbers (0 to {len(model_classes) - 1}) "
                  "in place of names, or use a model that records its classes' names")
    said = [f"{ours} is read as {theirs}" if i == 0 else f"{ours} as {theirs}"
            for i, (ours, theirs) in enumerate(pairs)]
    shown = said if n <= 4 else [*said[:3], "...", said[-1]]
    return (f"{name}: {sides}, so they are paired by position: {', '.join(shown)}; "
            f"if that is wrong, {remedy}")


def check_kind(data, model_input: inputs.Input, what: str = "the model") -> None:
    """A DataError unless Dataset ``data`` holds what ``model_input`` reads: pictures,
    recordings or a table."""
    if type(model_input) is not type(data.input):
        raise kinds.mismatch(data.name, data.input.kind, model_input, what)


def for_model(data, net, what: str = "the model", init: str | None = None):
    """Dataset ``data`` with its labels numbered as network ``net`` numbers its classes, after
    checking (:func:`check_kind`) that it is of the kind ``net`` reads, and that it is not
    MNIST-like digits for a model of other pictures (:func:`check_not_digits_for`)."""
    check_kind(data, inputs.of(net), what)
    classes = inputs.classes_of(net)
    recorded = [str(c) for c in net.metadata.get("classes") or ()]
    if recorded == classes:
        check_not_digits_for(data, inputs.of(net), classes, what, init)
    return data.with_classes(classes, what, named=recorded == classes, init=init)


def check_not_digits_for(data, model_input, model_classes: Sequence[str],
                         what: str = "the model", init: str | None = None) -> None:
    """A DataError when Dataset ``data`` holds handwritten digits, labelled by bare numbers (an
    IDX file's: MNIST's training files alone, say), and the model, which names its classes
    otherwise than by digits, was trained on pictures not made as MNIST's digits were (it reads
    "frames": Fashion-MNIST's clothes): paired by position, the digits would be scored as its
    classes ("0 is read as 'T-shirt/top'", an accuracy of chance). The digits are told by their
    look (:func:`digitnet.preparation.looks_like_digits`: every MNIST digit, 4 in 1,000 of
    Fashion-MNIST's pictures); a model of pictures made so (letters, kana, digits named
    otherwise) is left to the pairing and its note: such characters look the same, and
    whether ``data`` holds digits or its own characters cannot be told by look."""
    from . import preparation

    if not (getattr(model_input, "pictures", None) == preparation.FRAMES
            and getattr(data.input, "kind", None) == "images" and numbered(data.classes)
            and len(data.classes) <= len(_DIGITS)):
        return
    if numbered(model_classes) or any(c in _DIGITS or c.lower() in NUMBER_WORDS
                                      for c in model_classes):
        return
    if not preparation.looks_like_digits(data.x):
        return
    raise DataError(f"{data.name}: holds handwritten digits (made as MNIST's are, by their "
                    f"look), and {what} was trained on other pictures, of "
                    f"{_few(tuple(model_classes), quoted=True)}, read as they are: paired by "
                    "position, each digit would be scored as one of these; "
                    + _other_classes(init, "give data of its classes, or use a model trained "
                                     "on digits"))


def _other_classes(init: str | None, otherwise: str) -> str:
    """What to do with data of classes a model lacks: to start a run from it (``init``, the
    option it was given by) is to train it further on its own classes, so data of other classes
    needs a run without it; ``otherwise`` (the model is scored, say) says what to do."""
    if init is None:
        return otherwise
    return (f"{init} continues training a model on its own classes; to learn these classes, "
            f"train a new model (without {init})")


def _few(names: tuple[str, ...], quoted: bool = False) -> str:
    """A few of ``names`` for a message: "a and b", or "a, b, c, ..., z"."""
    shown = [repr(n) if quoted else n for n in names]
    return listed(shown) if len(shown) <= 4 else f"{', '.join(shown[:3])}, ..., {shown[-1]}"
