"""The notebook widget: draw a digit (or say one) in a cell's output and watch the network read it.

``digitnet.widget(net)`` returns an :class:`Explorer`: the page's drawing pad, the 28x28 input
the network sees, the diagram lit up layer by layer and the neuron panel, drawn by the page's own
JavaScript (:mod:`digitnet.notebook.bundle`). The network runs here, in the notebook's Python
process, through the same calls the web API makes (:func:`digitnet.preprocess.to_mnist`, then
:mod:`digitnet.descriptions`), and what it read is left in traits for the next cell::

    w = digitnet.widget(net)
    w                      # draw in it
    w.digit, w.image       # the digit it reads, the (28, 28) image it read
    w.trace.activations    # every layer's activations for that image, as the widget shows them
    w.image = mnist.x[7]   # or give it an image to read
    w.image = to_mnist("five.png")  # a picture file, made an MNIST digit first

``w.image`` is the image as it was given (uint8 pixels or brightness in [0, 1]; a drawing or an
upload as :func:`~digitnet.preprocess.to_mnist` made it) and stays so when ``w.network = other``
swaps the network. An image given that looks inverted (dark ink on a bright background, where
MNIST's digits are light on black) is read as it is, with a UserWarning saying what to do
(:func:`~digitnet.preprocess.warn_if_inverted`). Each network reads it as
:meth:`~digitnet.Network.predict` reads it, through its model's own input record (deskewing,
for the default recipe's), so ``w.digit`` is ``w.network.predict(w.image)``; what the network
sees, that record's (28, 28) input, is the input the widget shows and
``w.trace.activations[0]``. A neuron switched off
(:meth:`digitnet.poke.Changes.apply`, the page's "Save") has a = 0 in ``w.trace`` as in the
widget's picture: what the next layer receives (:func:`digitnet.poke.sent`); its z is as
computed.

A model of spoken digits (its input an :class:`~digitnet.inputs.Audio` front end) hears
recordings instead: the widget shows the page's microphone button (where the browser gives the
notebook a microphone) and an upload of recordings in place of the pad, which shows the picture
of the sound heard; from Python, ``w.hear("seven.wav")`` (a path or the file's bytes) reads one
through the model's own front end, as ``digitnet predict`` and the web API do, and ``w.image``
is then the (bands, frames) picture it heard, in [0, 1] (such a model reads it as it is).

anywidget (the notebook extra) runs it in JupyterLab, Jupyter Notebook, VS Code and marimo.
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np
import orjson
from PIL import Image

from .. import descriptions, inputs, kinds, modelfile
from ..arrays import as_floats, as_inputs, pixel_values
from ..audio import AUDIO_EXTENSIONS
from ..brightness import other_kind
from ..errors import DataError, DigitnetError, listed
from ..images import IMAGE_EXTENSIONS
from ..inputs import Audio
from ..interop import require
from ..network import Network, Trace
from ..poke import described_neuron, described_prediction, off_neurons, sent
from ..poke.reading import shown
from ..preprocess import warn_if_inverted
from . import bundle, summaries

anywidget = require("anywidget", "notebook", "digitnet.widget")
traitlets = require("traitlets", "notebook", "digitnet.widget")

__all__ = ["Explorer"]

_SHAPE = (28, 28)


class _NetworkTrait(traitlets.TraitType):
    """The widget's network: a Network, or the one in the model file a path names, loaded
    (:func:`_as_network`); None and anything else refused in one line."""

    default_value = None
    info_text = "a Network or the path of a model file"

    def validate(self, obj, value) -> Network:
        return _as_network(value)


class Explorer(anywidget.AnyWidget):
    """The drawing pad (or the microphone) and the network thinking, as a notebook widget.

    Traits: ``network`` (the :class:`~digitnet.Network` it shows; set another, or a model
    file's path, to swap it: the image stays, read by the new network through its own input
    record, unless one hears and the other reads drawings), ``image`` (the (28, 28) image the
    network reads, as it was given: uint8 pixels or brightness in [0, 1], a drawing as
    :func:`~digitnet.preprocess.to_mnist` made it; or None; set it to an image to have it read,
    or to ``to_mnist(path)`` for a picture file; for a model of spoken digits the (bands,
    frames) picture of the sound it heard, in [0, 1]), and, read-only, ``digit`` (what the
    network reads in ``image``, its ``predict(image)``, or None) and ``trace`` (its
    :class:`~digitnet.Trace` for ``image`` as it reads it: ``trace.activations[0]`` is what it
    sees, deskewed where its model deskews; a neuron switched off has a = 0, as the widget
    shows it).
    """

    _esm = bundle.esm()
    _css = bundle.css()
    _model = traitlets.Dict().tag(sync=True)

    network = _NetworkTrait()
    image = traitlets.Any(None, allow_none=True)
    digit = traitlets.Int(None, allow_none=True, read_only=True)
    trace = traitlets.Instance(Trace, allow_none=True, read_only=True)

    def __init__(self, network: Network | str | os.PathLike, **kwargs):
        self._prediction = None
        self._seen = None  # the row the network reads for image: its input record applied
        self._answering = False
        super().__init__(network=network, **kwargs)
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        return f"Explorer({'-'.join(map(str, self.network.sizes))} network, digit={self.digit})"

    # -- the traits --------------------------------------------------------------------------

    def hear(self, recording, name: str | None = None) -> int:
        """Have a model of spoken digits hear ``recording`` (a file path, or the file's bytes;
        ``name`` names it in errors): its picture, through the model's front end, becomes
        ``image``, shown with the network lit up. Returns the digit it hears."""
        front_end = inputs.audio_of(self.network)
        if front_end is None:
            raise DataError(f"this {'-'.join(map(str, self.network.sizes))} network reads "
                            "pictures, not recordings; set w.image to an image instead")
        self.image = _heard(recording, front_end, name)
        return self.digit

    @traitlets.validate("network")
    def _check_network(self, proposal) -> Network:
        net = proposal["value"]
        shape = inputs.of(net).image_shape
        if shape != _SHAPE and not (inputs.audio_of(net) and shape):
            what = f"{shape[0]}x{shape[1]} images" if shape else f"rows of {net.sizes[0]} numbers"
            raise DataError(f"the widget draws 28x28 digits (or hears recordings) for the network "
                            f"to read; this {'-'.join(map(str, net.sizes))} network reads {what}")
        return net

    @traitlets.observe("network")
    def _network_changed(self, change) -> None:
        self._model = _described(self.network)
        old = change["old"]
        if (self.image is not None and isinstance(old, Network)
                and inputs.audio_of(old) != inputs.audio_of(self.network)):
            # a picture of a drawing means nothing to a network that hears, nor a picture of a
            # sound to one that reads drawings (or hears through another front end): cleared
            self.image = None
        else:
            self._read(picture=False)

    @traitlets.validate("image")
    def _check_image(self, proposal) -> np.ndarray | None:
        value = proposal["value"]
        if value is None:
            return None
        _check_pixels(value, self.network)
        model_input = inputs.of(self.network)
        _check_rows_alike(value, model_input.image_shape)
        rows = model_input.rows(value)  # DataError: not one 28x28 image, or pixels out of range
        if len(rows) != 1:
            raise DataError(f"the widget shows one image at a time, got {len(rows)}")
        # kept as given, not as this network reads it: a network swapped in reads it its own way
        image = pixel_values(np.reshape(value, model_input.image_shape), "images").copy()
        image.flags.writeable = False  # a new image is read when set, not when changed in place
        if isinstance(model_input, inputs.Images):  # (a picture of a sound has no ink)
            warn_if_inverted(image, "w.image", _setter_level())
        return image

    @traitlets.observe("image")
    def _image_changed(self, change) -> None:
        self._read()

    def _read(self, picture: bool = True) -> None:
        """Have the network read ``image``: set digit and trace, and show it unless the drawing
        in the widget asked (then it is the answer to that request); ``picture``: put the image
        on the pad in place of the drawing."""
        if self.image is None:
            self._prediction = self._seen = None
            self.set_trait("trace", None)
            self.set_trait("digit", None)
        else:
            # the current network's input record (deskewing) applied, as its predict applies it;
            # uint8 pixels / 255 as every part of digitnet scales them
            x, _ = as_inputs(inputs.of(self.network).rows(self.image), self.network.sizes[0])
            self._seen = x = x[0]
            self._prediction = _plain(described_prediction(self.network, x))  # (off: a = 0)
            self.set_trait("trace", _sent_trace(self.network, x))
            self.set_trait("digit", self._prediction["digit"])
        if not self._answering:
            self.send({"kind": "show", "prediction": self._prediction, "picture": picture})

    # -- what the widget asks ----------------------------------------------------------------

    def _on_message(self, widget, message: dict, buffers: list) -> None:
        """A request from the page's explorer: answered with {seq, answer} or {seq, error}."""
        try:
            with self._answer():
                answer = self._respond(message, buffers)
        except DigitnetError as e:
            self.send({"seq": message.get("seq"), "error": str(e)})
        except Exception as e:  # a bug: say so in the widget, and let the kernel log it
            self.send({"seq": message.get("seq"), "error": f"{type(e).__name__}: {e}"})
            raise
        else:
            self.send({"seq": message.get("seq"), "answer": answer})

    def _respond(self, message: dict, buffers: list):
        kind = message.get("kind")
        if kind in ("predict", "upload"):
            front_end = inputs.audio_of(self.network)
            if front_end is not None and kind == "predict":
                raise DataError("this model hears recordings, not drawings: say a digit, "
                                "upload a recording, or call w.hear('seven.wav')")
            name = message.get("name") or "the drawing"
            source = _pixels_sent(message) if kind == "predict" else _file_sent(buffers, name)
            if kind == "upload":
                _check_kind(source, name, self.network)
            # (what cannot be read leaves the last reading as it was, as a failed w.hear does;
            # the error is the answer, which the page shows)
            self.image = (_heard(source, front_end, name) if front_end is not None
                          else inputs.of(self.network).read(source, name=name))
            return self._prediction
        if kind == "neuron":  # (layer and index read as whole numbers, as poking reads them)
            return _plain(described_neuron(self.network, message.get("layer"),
                                           message.get("index"), self._seen))
        if kind == "clear":
            self.image = None
            return None
        if kind == "current":
            return self._prediction
        raise DigitnetError(f"the widget asked for {kind!r}, which this digitnet does not answer; "
                            "reinstall digitnet")

    @contextlib.contextmanager
    def _answer(self):
        self._answering = True
        try:
            yield
        finally:
            self._answering = False


def _pixels_sent(message: dict) -> np.ndarray:
    """The grid of brightness values a drawing's message holds; a DataError of one line when it
    holds none (answered to the widget, as every bad request is)."""
    try:
        return np.asarray(message["pixels"], np.float32)
    except (KeyError, TypeError, ValueError):
        raise DataError(f"the drawing sent holds no grid of numbers (its pixels are "
                        f"{shown(message.get('pixels'))}); draw it again") from None


def _file_sent(buffers: list, name: str) -> bytes:
    """The bytes of the file an upload's message carries; a DataError when it carries none."""
    if not buffers:
        raise DataError(f"{name}: the upload came without the file's bytes; upload it again")
    return bytes(buffers[0])


def _sent_trace(net: Network, x: np.ndarray) -> Trace:
    """``net.trace`` of input row ``x`` as the widget shows it: each layer's z as computed, and
    its a as the next layer receives it (:func:`digitnet.poke.sent`), 0 for a neuron switched
    off, as the widget's picture, its neuron panel and :func:`digitnet.viz.network_figure` show
    it."""
    trace, off = net.trace(x[None, :]), off_neurons(net)
    return Trace(trace.zs, [sent(net, l, a, off) for l, a in enumerate(trace.activations)])


def _heard(recording, front_end: Audio, name: str | None) -> np.ndarray:
    """The picture of a recording's sound through ``front_end`` (:func:`digitnet.audio.picture`),
    shape (bands, frames), its uint8 pixels / 255; the audio extra is imported only for a model
    that hears."""
    from .. import audio

    return as_floats(audio.picture(recording, front_end, name=name), np.float32)


def _setter_level() -> int:
    """The stacklevel, from the function calling this, of the first line outside digitnet and
    the widget libraries: the one that set ``w.image`` (or made the widget), where a warning
    about the image points."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] in (
            "digitnet", "anywidget", "ipywidgets", "traitlets"):
        frame, level = frame.f_back, level + 1
    return level


def _check_pixels(value, net: Network) -> None:
    """A DataError saying what to do when ``w.image`` is set to a file (its path or its bytes)
    or a PIL image rather than pixels, by what the file is (:func:`_kind_of_file`): a picture
    is read with to_mnist, a recording heard with ``w.hear``; one of the kind the network does
    not read is for the widget of a model that does."""
    if isinstance(value, Image.Image):
        given, named, source, kind = "a PIL image", "a PIL image", "picture", "images"
    elif isinstance(value, bytes):
        given, named, source = "a file's bytes", "these bytes", "data"
        kind = kinds.kind_of_bytes(value)
    elif isinstance(value, (str, os.PathLike)):
        source = named = repr(os.fspath(value))
        given, kind = f"a file name ({source})", _kind_of_file(value)
    else:
        return
    if inputs.audio_of(net) is not None:
        if kind == "images":
            raise DataError(f"w.image takes the picture of a sound heard, and {named} is a "
                            "picture, not a recording: this network hears recordings, so hear "
                            "one with w.hear('seven.wav'); a picture of a digit is read by a "
                            "model of pictures' widget: w = digitnet.widget('digits.safetensors'"
                            f"); w.image = digitnet.preprocess.to_mnist({source})")
        raise DataError(f"w.image takes the picture of a sound heard, not {given}; hear a "
                        f"recording with w.hear({source})")
    if kind == "audio":
        raise DataError(f"w.image takes the pixels of a 28x28 image, and {named} is a "
                        "recording: this network reads pictures; a recording is heard by a "
                        "model of spoken digits' widget: w = digitnet.widget('speech."
                        f"safetensors'); w.hear({source})")
    already = " (or np.asarray(picture) if it is a 28x28 MNIST digit already)"
    raise DataError(f"w.image takes the pixels of a 28x28 image, not {given}; read a picture of "
                    f"a digit with w.image = digitnet.preprocess.to_mnist({source})"
                    + (already if isinstance(value, Image.Image) else ""))


def _kind_of_file(path) -> str | None:
    """"images" or "audio": what file ``path`` holds, told by how its bytes begin
    (:func:`digitnet.kinds.kind_of_bytes`: a recording named .png is a recording), else, for a
    file that cannot be read (or is neither), by its extension; None when neither tells."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        head = b""
    return _kind_of(head, path)


def _kind_of(head: bytes, name) -> str | None:
    """"images" or "audio": what a file beginning with ``head`` holds, else what its ``name``'s
    extension says; None when neither tells."""
    suffix = os.path.splitext(os.fspath(name))[1].lower()
    return kinds.kind_of_bytes(head) or ("images" if suffix in IMAGE_EXTENSIONS
                                         else "audio" if suffix in AUDIO_EXTENSIONS else None)


def _check_kind(data: bytes, name: str, net: Network) -> None:
    """A DataError, in the words of ``net.predict("seven.wav")``
    (:func:`digitnet.brightness.other_kind`), when an upload ``name`` is a recording and
    ``net`` reads pictures, or the other way round."""
    refused = other_kind(_kind_of(data[:16], name), inputs.of(net))
    if refused is not None:
        one, said = refused
        raise DataError(f"{name} is {one}; {said}")


def _as_network(value) -> Network:
    """``value`` as the network the widget shows: a Network, or the one in the model file that
    it names (:func:`digitnet.load`); a ConfigError of one line saying what was given and what
    to pass otherwise (:func:`digitnet.modelfile.as_network`, which checks what
    :func:`digitnet.save` is given)."""
    return modelfile.as_network(value, "the widget shows", paths=True)


def _check_rows_alike(value, shape: tuple[int, int]) -> None:
    """A DataError of one line when ``w.image`` is set to a list whose rows differ in length
    (NumPy's own refusal is several lines about an "inhomogeneous shape")."""
    if not isinstance(value, (list, tuple)):
        return
    try:
        np.asarray(value)
    except ValueError:
        lengths = sorted({len(row) for row in value if isinstance(row, (list, tuple))})
        said = f" (rows of {listed(lengths)} numbers)" if len(lengths) > 1 else ""
        raise DataError(f"w.image takes {shape[0]} rows of {shape[1]} numbers each (or an array "
                        f"of shape {shape}); the rows of this list differ in length{said}"
                        ) from None


def _described(net: Network) -> dict:
    """The network as the widget's JavaScript takes it: as GET /api/model describes it, with
    what was changed by hand: ``off``, its neurons switched off, [[layer, index], ...]
    (:func:`digitnet.poke.off_neurons`: the page's diagram draws them switched off and its
    neuron panel says their a is 0), and ``edited``, the words of the network's own summary
    table (:func:`.summaries.edited_words`; "" for a network never changed by hand)."""
    return {**_plain(descriptions.describe_model(net)),
            "off": [[layer, index] for layer, index in off_neurons(net)],
            "edited": summaries.edited_words(net.metadata.get("changes") or [])}


def _plain(description: dict):
    """A description as plain Python numbers and lists, as a widget's messages carry them."""
    return orjson.loads(descriptions.dumps(description))
