"""A fully connected network as every reader hands it over: arrays and the names of functions.

The readers of ONNX graphs, PyTorch modules and scikit-learn estimators each walk their own
format and describe what they found as a :class:`Dense`: one weight matrix and bias vector per
layer, and the function each layer applies. :meth:`Dense.check` then decides, in one place for
all of them, whether a digitnet :class:`~digitnet.Network` can hold it:

* the layers chain: layer l takes as many inputs as layer l - 1 has neurons;
* every hidden layer applies the same activation, one of digitnet's (sigmoid, tanh, relu,
  leaky_relu with slope 0.01), since a digitnet network has one σ for all hidden layers;
* the output layer applies a softmax, a log-softmax, a sigmoid, or nothing. A log-softmax and
  nothing (the logits PyTorch models usually end in, since their loss applies the softmax) are
  read as a softmax: the same answers, and the probabilities those outputs stand for. A single
  sigmoid neuron for two classes (scikit-learn's binary MLPClassifier: p and 1 - p) becomes two
  softmax neurons, with z = 0 for the first class, since softmax(0, z) = (1 - σ(z), σ(z)); so
  does any one output neuron with a sigmoid or no function (PyTorch's one logit for
  ``BCEWithLogitsLoss``, or ``Linear(k, 1)`` then ``Sigmoid``, and their ONNX exports).

What the network reads, when the caller says it (``from_torch(input=...)``,
``from_sklearn(input=...)``), is read once for all of them by :func:`given_input`; a model that
standardises what it reads, (x - mean) / std, has that folded into its first layer
(:meth:`Dense.reading`), as the ONNX reader folds a graph's ``Normalize``.

Weights are kept as digitnet and PyTorch lay them out, (n_out, n_in), the video's W.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ConfigError, ModelFileError, UnsupportedModelError
from ..inputs import Images, Input, Table, from_dict

__all__ = ["Dense", "HIDDEN", "OUTPUTS", "LEAKY_SLOPE", "default_input", "given_input",
           "composed", "pictures_read"]

#: The hidden activations a digitnet network has.
HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu")
#: What an output layer may apply, and the digitnet output each becomes.
OUTPUTS = {"softmax": "softmax", "log_softmax": "softmax", None: "softmax", "sigmoid": "sigmoid",
           "binary": "softmax"}
#: The slope of digitnet's leaky ReLU for z < 0 (:class:`digitnet.activations.LeakyReLU`).
LEAKY_SLOPE = 0.01


@dataclass
class Dense:
    """A stack of fully connected layers.

    Attributes
    ----------
    weights : list of ndarray, each (n_out, n_in)
    biases : list of ndarray, each (n_out,)
    functions : list of str or None
        The function each layer applies to its z: a name of :data:`HIDDEN` or :data:`OUTPUTS`
        ("binary": one sigmoid neuron read as two classes), or None for none.
    source : str
        What the network was read from, for messages ("model.onnx", "from_torch").
    classes : list of str, optional
        The name of each class, where the source says them.
    input : Input, optional
        How examples become the input layer's rows, where the source says; see
        :func:`default_input` otherwise.
    records : dict
        A digitnet model file's records of how the network was made that the source carries,
        checked (an ONNX file digitnet wrote: the ``changes`` made to it by hand,
        :mod:`~digitnet.interop.onnx_meta`); they go into its metadata.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    functions: list[str | None]
    source: str
    classes: list[str] | None = None
    input: Input | None = None
    notes: dict = field(default_factory=dict)  # what to record about where it came from
    records: dict = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1],) + tuple(w.shape[0] for w in self.weights)

    @property
    def activation(self) -> str:
        """The hidden layers' activation ("relu" when there are no hidden layers)."""
        return self.functions[0] if len(self.weights) > 1 else "relu"

    @property
    def output(self) -> str:
        return OUTPUTS[self.functions[-1]]

    def check(self) -> Dense:
        """This network in the form digitnet holds, or an UnsupportedModelError naming the
        first layer that does not fit."""
        where = self.source
        if not self.weights:
            raise UnsupportedModelError(f"{where}: holds no fully connected layer")
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise UnsupportedModelError(f"{where}: layer {l}'s weights {w.shape} and biases "
                                            f"{b.shape} are not those of a fully connected layer")
            if l > 1 and w.shape[1] != self.weights[l - 2].shape[0]:
                raise UnsupportedModelError(
                    f"{where}: layer {l} takes {w.shape[1]} inputs but layer {l - 1} has "
                    f"{self.weights[l - 2].shape[0]} neurons")
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise UnsupportedModelError(f"{where}: layer {l}'s weights hold NaN or infinity")
        hidden = self.functions[:-1]
        for l, name in enumerate(hidden, start=1):
            if name not in HIDDEN:
                what = "no activation" if name is None else name
                raise UnsupportedModelError(
                    f"{where}: hidden layer {l} applies {what}; digitnet's hidden layers apply "
                    f"one of {', '.join(HIDDEN)}")
            if name != hidden[0]:
                raise UnsupportedModelError(
                    f"{where}: hidden layer {l} applies {name} but layer 1 applies {hidden[0]}; "
                    "a digitnet network has one activation for all its hidden layers")
        last = self.functions[-1]
        if last not in OUTPUTS:
            raise UnsupportedModelError(
                f"{where}: the output layer applies {last}; digitnet reads a softmax, "
                "log-softmax, sigmoid or no function there")
        if self.sizes[-1] < 2 and last not in ("binary", "sigmoid", None):
            raise UnsupportedModelError(
                f"{where}: the output layer has one neuron and applies {last.replace('_', '-')}, "
                "which is 1 whatever the input; digitnet reads one neuron with a sigmoid or no "
                "function (two classes), or one neuron per class")
        binary = last == "binary" or self.sizes[-1] == 1  # (p of the second class, or its logit)
        return self._two_classes() if binary else self

    def _two_classes(self) -> Dense:
        """One sigmoid neuron (p of the second class) as two softmax neurons: z = (0, z)."""
        w, b = self.weights[-1], self.biases[-1]
        if w.shape[0] != 1:
            raise UnsupportedModelError(f"{self.source}: a two-class sigmoid output has one "
                                        f"neuron, this one {w.shape[0]}")
        weights = self.weights[:-1] + [np.concatenate([np.zeros_like(w), w])]
        biases = self.biases[:-1] + [np.concatenate([np.zeros_like(b), b])]
        return replace(self, weights=weights, biases=biases,
                       functions=self.functions[:-1] + ["softmax"])

    @property
    def n_classes(self) -> int:
        """How many classes the output tells apart: two for one neuron (:meth:`check`)."""
        return max(self.sizes[-1], 2)

    def reading(self, record: Input, mean=None, std=None) -> Dense:
        """This network reading examples as ``record`` says, where the source computes
        (r - mean) / std of ``record``'s rows r (a table's values as it makes them, a picture's
        brightness 0..1) before its first layer: a table applies it as its own standardisation
        (after the one it has, :func:`composed`), pictures have it folded into the first layer
        (:meth:`folded`). ``mean`` and ``std``: (n_in,) arrays, or None for no such step."""
        if mean is None:
            return replace(self, input=record)
        if isinstance(record, Table):
            mean, std = composed(record.mean, record.std, mean, std)
            return replace(self, input=Table(record.columns, tuple(mean), tuple(std)))
        return replace(self, input=record).folded(mean, std)

    def folded(self, mean: np.ndarray, std: np.ndarray, unit: float = 1.0) -> Dense:
        """This network with the scaling of its input folded into the first layer, which then
        takes the input x itself.

        The source computes rows = (unit·x - mean) / std before its first layer; since
        z = W rows + b = (W · unit / std) x + (b - W (mean / std)), the same network takes x
        with W' = W · unit / std (column j divided by std[j]) and b' = b - W (mean / std),
        computed in float64 and rounded once to the weights' dtype.

        Parameters
        ----------
        mean, std : ndarray, each (n_in,)
            The standardisation, one value per input (std finite and non-zero).
        unit : float
            One unit of x in the source's input: 1, or 255 for a source that takes pixels
            0..255 and divides them by 255 itself, when x is brightness 0..1.
        """
        w = self.weights[0].astype(np.float64)
        mean, std = (np.asarray(v, np.float64).reshape(-1) for v in (mean, std))
        weight = (w * (unit / std)).astype(self.weights[0].dtype)
        bias = (self.biases[0].astype(np.float64) - w @ (mean / std)).astype(self.biases[0].dtype)
        return replace(self, weights=[weight] + self.weights[1:], biases=[bias] + self.biases[1:])


def default_input(n_in: int, image_shape: tuple[int, int] | None = None,
                  mean=None, std=None, *, table: bool = False) -> Input:
    """The input record of an ONNX graph or a PyTorch module that does not record its own (a
    file digitnet wrote records it, and is read as it says).

    * ``table``: the source is known to read a table (an ONNX file skl2onnx wrote of a
      scikit-learn model): a table of columns x0, x1, ..., standardised as the graph does
      (``mean`` and ``std``, if found in it) or its values as they are, whatever their number
      or shape; 784 columns of raw pixels 0..255 too.
    * An input of image shape (the graph's input is (n, h, w) or (n, 1, h, w), h·w = ``n_in``):
      pictures of ``image_shape``, brightness 0..1, also when the graph scales them before its
      first layer (``mean`` and ``std``: PyTorch's usual ``Normalize``), a scaling the reader
      folds into that layer (:meth:`Dense.folded`). (A scaled input of shape (n, 1, k) is a
      row of k standardised columns, not a picture.)
    * Exactly 784 values, not scaled or all scaled alike (one mean and one std for every value,
      as ``Normalize`` does): MNIST's 28x28 digits, row by row, brightness 0..1, what the
      video's network and the MNIST models of PyTorch and Keras take (``x / 255`` of the
      pixels), the scaling folded as above.
    * Other standardised columns (``mean`` and ``std`` found in the graph): a table of columns
      x0, x1, ..., standardised as the graph does.
    * Anything else, a square count included (iris's 4 columns, 8x8 = 64, 100): a table of
      columns x0, x1, ..., its values as they are, read in order.

    A scikit-learn model does not come here: it reads the table scikit-learn read
    (:func:`digitnet.interop.sklearn.read_sklearn`).
    """
    unnamed = tuple(f"x{i}" for i in range(n_in))
    if table:
        return Table(unnamed, mean, std)
    if (image_shape is not None and image_shape[0] * image_shape[1] == n_in
            and (mean is None or min(image_shape) > 1)):
        return pictures_read(Images(image_shape))
    alike = mean is None or bool(np.all(mean == mean[0]) and np.all(std == std[0]))
    if n_in == Images().n_inputs and alike:
        return Images()
    return Table(unnamed, mean, std)


def pictures_read(record: Input) -> Input:
    """``record``, its pictures read as they are ("frames") when they are not MNIST's 28x28.

    A model of pictures of another shape (load_digits' 8x8) cannot read a picture made as
    MNIST's digits were ("digits": cropped, fitted into 20x20, centred in 28x28, 784 values);
    :func:`digitnet.train` records such a model's pictures as "frames"
    (:func:`digitnet.preparation.of_data`): each picture file grey, resized to its shape. An
    imported one records the same, so that ``digitnet info``, ``serve`` and
    ``inputs.of(net).read`` read its pictures as they read those of digitnet's own.
    """
    if (isinstance(record, Images) and record.shape != Images().shape
            and record.pictures == "digits"):
        return replace(record, pictures="frames")
    return record


def composed(mean, std, then_mean, then_std):
    """One standardisation, ``(x - m) / s``, for ``(x - mean) / std`` followed by ``(. - then_mean)
    / then_std``: m = mean + std · then_mean, s = std · then_std (float64; either pair None for
    no step)."""
    if mean is None or then_mean is None:
        return (then_mean, then_std) if mean is None else (mean, std)
    mean, std, then_mean, then_std = (np.asarray(v, np.float64)
                                      for v in (mean, std, then_mean, then_std))
    return mean + std * then_mean, std * then_std


def given_input(value, n_in: int, where: str, remedy: str, *, first: str,
                error: type[Exception] = ConfigError):
    """The input record a caller gives for a model of ``n_in`` inputs (``from_torch``'s and
    ``from_sklearn``'s ``input=``), checked: ``(record, mean, std)``.

    ``value`` is the record as JSON text, its dict or an :class:`~digitnet.inputs.Input`. A
    dict of pictures ("images", "audio") may also say ``"mean"`` and ``"std"``, each a number
    (or a list of one, as torchvision's ``Normalize((0.1307,), (0.3081,))``) or one per input
    value: the model reads (brightness - mean) / std of the pictures, brightness 0..1 (a model
    fed pixels 0..255 as they are: mean 0, std 1/255). They come back as (n_in,) float64 arrays
    for :meth:`Dense.reading` to fold into the first layer, else None (a table's standardisation
    is its own ``mean`` and ``std``, which it applies itself).

    Pictures of a shape other than 28x28 are read as they are (:func:`pictures_read`).

    Raises ``error`` (a ConfigError for a keyword argument), saying ``where`` ("from_torch(
    input=...)"), what is wrong and ``remedy``: not a record, a number of values other than
    ``n_in`` (what ``first``, "the module's first Linear layer", takes), pictures of another
    shape than 28x28 said to be ``"pictures": "digits"``, a ``mean`` without a ``std``, or a
    ``mean`` or ``std`` that is not finite numbers (``std`` non-zero) of the size of one value
    or one per input value.
    """
    scaling = {}
    try:
        value = json.loads(value) if isinstance(value, str) else value
        if isinstance(value, Mapping) and value.get("kind") not in ("table", None):
            value = dict(value)
            scaling = {key: value.pop(key) for key in ("mean", "std") if key in value}
        record = value if isinstance(value, Input) else from_dict(value)
    except (ValueError, ModelFileError) as e:
        raise error(f"{where}: not an input record digitnet reads ({str(e).split('; ')[0]}); "
                    f"{remedy}") from None
    if record.n_inputs != n_in:
        raise error(f"{where} reads {record.n_inputs} values, but {first} takes {n_in}; {remedy}")
    if pictures_read(record) is not record and isinstance(value, Mapping) and "pictures" in value:
        h, w = record.shape
        raise error(f"{where}: pictures of {h}x{w} are read as they are (\"pictures\": "
                    "\"frames\"), not as MNIST's digits were made, which makes 28x28 ones: "
                    "leave \"pictures\" out")
    record = pictures_read(record)
    if not scaling:
        return record, None, None
    if len(scaling) == 1:
        (given, _), = scaling.items()
        other = "std" if given == "mean" else "mean"
        raise error(f"{where} gives the pictures' {given} but no {other}; give both: the model "
                    f"reads (brightness - mean) / std, brightness 0..1 (std 1 for no scaling)")
    mean, std = (_per_value(scaling[key], key, n_in, where, error) for key in ("mean", "std"))
    return record, mean, std


def _per_value(value, key: str, n_in: int, where: str, error) -> np.ndarray:
    """A picture's ``mean`` or ``std`` as (n_in,) float64, or ``error`` saying what is wrong."""
    try:
        found = np.asarray(value, np.float64).reshape(-1)
    except (TypeError, ValueError):
        found = None
    bad = (found is None or found.size not in (1, n_in) or not np.isfinite(found).all()
           or key == "std" and (found == 0).any())
    if bad:
        shown = f"{value!r}" if found is None or found.size <= 3 else f"{found.size} values"
        rule = ", none of them 0" if key == "std" else ""
        raise error(f"{where}: the {key} is {shown}; it is one number or {n_in} (one per input "
                    f"value), finite{rule}: give the {key} the model's pictures were scaled by, "
                    "brightness 0..1 (torchvision's MNIST Normalize: mean 0.1307, std 0.3081)")
    return np.array(np.broadcast_to(found, (n_in,)))
