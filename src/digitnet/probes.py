"""The numbers behind the pictures: what neurons look for, and how a network reads an input.

Plain NumPy; :mod:`digitnet.viz` draws what these functions compute.

===============================  ===============================================================
:func:`effective_templates`      what each neuron of a layer looks for in the pixels
:func:`saliency`                 ∂z_d/∂x: how each pixel moves output d's weighted input
:func:`dream`                    the input that most excites an output (gradient ascent)
:func:`most_active`              the most active neurons of a layer
:func:`strongest_contributions`  the largest terms w·a flowing into a layer's neurons
:func:`confident_mistakes`       the most confident wrong answers on labelled images
===============================  ===============================================================

Layers are numbered as in ``net.sizes`` and the video's a^(l): layer 0 is the input (784
pixels), layer 1 the first hidden layer, ..., layer L = ``len(net.sizes) - 1`` the output. The
weights and biases into layer l are ``net.weights[l - 1]`` and ``net.biases[l - 1]``.
"""

from __future__ import annotations

import numpy as np

from . import inputs
from .arrays import as_floats, as_inputs
from .brightness import example_rows
from .errors import ConfigError, DataError
from .network import Network

__all__ = ["check_layer", "effective_templates", "blank_neurons", "BLANK_SHARE", "saliency",
           "dream", "most_active", "strongest_contributions", "confident_mistakes", "single_input",
           "example_row"]

#: A neuron whose template (its weights, in the first layer) lies everywhere under this share
#: of the layer's largest looks for nothing: :func:`blank_neurons`, drawn as a black tile.
BLANK_SHARE = 0.01


def check_layer(net: Network, layer, *, lowest: int = 1, where: str = "layer") -> int:
    """``layer`` as an int; a ConfigError unless it is a whole number (3.0 too, as
    :func:`digitnet.poke.reading.whole` reads every layer; ``where`` names it) naming one of
    ``net``'s layers ``lowest`` (1: the first with weights; 0: the input, which has none) to L,
    the output layer: the one check, in one wording, of a layer named to digitnet (a
    picture's, a poke's, a neuron's)."""
    from .poke.reading import whole  # (poke's modules import this one)

    last, sizes = len(net.sizes) - 1, "-".join(map(str, net.sizes))
    layer = whole(layer, where)
    if lowest <= layer <= last:
        return layer
    said = "is the input layer: it has no weights" if layer == 0 else "does not exist"
    what, first = ("layers", "0 (the input) to ") if lowest == 0 else (
        "layers with weights", "only " if last == 1 else "1 (the first hidden layer) to ")
    raise ConfigError(f"layer {layer} {said}; this {sizes} network's {what} are {first}{last} "
                      "(the output layer)")


def single_input(net: Network, x) -> np.ndarray:
    """One row the input layer reads as it is (``inputs.of(net).rows(images)[i]``, made
    already) as a float64 row of shape (sizes[0],): uint8 pixels scaled by 1/255, a (28, 28)
    image flattened. DataError for anything but exactly one input. (One example as the model's
    data holds it: :func:`example_row`.)"""
    a, _ = as_inputs(x, net.sizes[0], np.float64)
    if len(a) != 1:
        raise DataError(f"expected one image, got {len(a)}")
    return a[0]


def example_row(net: Network, example, stacklevel: int = 1) -> np.ndarray:
    """One example as the model's data holds it (a picture (h, w) or its row, uint8 pixels or
    brightness in [0, 1]; a table's row of raw values) -> the float64 row of shape (sizes[0],)
    the input layer reads: read as :meth:`Network.predict` reads it
    (:func:`digitnet.brightness.example_rows`: deskewed for a model that deskews, refused as
    predict refuses it, a picture that looks inverted warned of: ``stacklevel`` 1 at the line
    calling this, 2 at its caller's). DataError for anything but exactly one example."""
    rows, _ = example_rows(net, example, stacklevel + 2)
    if len(rows) != 1:
        raise DataError(f"expected one {_one(net)}, got {len(rows)}")
    return as_floats(rows, np.float64)[0]


def _one(net: Network) -> str:
    """What one example of ``net``'s is called, for an error: "image", "table row", ..."""
    kind = inputs.of(net).kind
    return {"images": "image", "audio": "picture of a sound"}.get(kind, "table row")


# -- what neurons look for --------------------------------------------------------------------


def effective_templates(net: Network, layer: int = 1) -> np.ndarray:
    """What each neuron of ``layer`` looks for in the input, as one row of input weights.

    Layer 1 is the first hidden layer, whose rows are exactly its weights ``net.weights[0]``.
    For a deeper layer the template is its weights multiplied back through the layers before
    it, ``W_layer @ ... @ W_2 @ W_1``: an **approximation** that ignores the nonlinearities
    (and the biases) in between, so it says what the neuron would look for if the layers were
    linear.

    Parameters
    ----------
    layer : int
        1 (the first hidden layer) to ``len(net.sizes) - 1`` (the output layer); layer 0, the
        input, has no weights.

    Returns
    -------
    ndarray, shape (sizes[layer], sizes[0]), float64
    """
    layer = check_layer(net, layer)
    template = net.weights[0].astype(np.float64)
    for w in net.weights[1:layer]:
        template = w.astype(np.float64) @ template  # (n_out, n_in) @ (n_in, 784)
    return template


def blank_neurons(net: Network, layer: int = 1) -> np.ndarray:
    """The neurons of ``layer`` (numbered as in :func:`effective_templates`) whose template is
    under :data:`BLANK_SHARE` of the layer's largest everywhere: whatever the input, their
    weighted sum is about their bias alone. A ReLU neuron that never fired while training ends
    so, its weights worn to 0 by weight decay. Returns their indices."""
    size = np.abs(effective_templates(net, layer)).max(axis=1)
    return np.flatnonzero(size < BLANK_SHARE * size.max())


# -- gradients with respect to the input ------------------------------------------------------


def _input_gradient(net: Network, x: np.ndarray, dz_out) -> np.ndarray:
    """Backpropagate to the input: ∂(objective)/∂x, given ∂(objective)/∂z of the output layer.

    ``dz_out(z, a)`` returns the derivative with respect to the output layer's z, shape
    (n_out,), from that layer's z and a. Returns the gradient, shape (sizes[0],).
    """
    t = net._trace(x[None, :])  # t.zs[l - 1] is layer l's z, t.activations[l] its a
    delta = dz_out(t.zs[-1][0], t.output[0])[None, :]  # ∂/∂z of layer L
    for layer in range(len(net.weights), 0, -1):  # L, ..., 1
        delta = delta @ net.weights[layer - 1]  # ∂/∂a of layer - 1 = Wᵀ δ (batch-first: δ W)
        if layer > 1:  # back through σ' of the hidden layer below
            delta = delta * net.activation.derivative(t.zs[layer - 2], t.activations[layer - 1])
    return delta[0]


def _check_digit(net: Network, digit) -> int:
    from .poke.reading import whole  # (poke's modules import this one)

    digit = whole(digit, "digit")
    if not 0 <= digit < net.sizes[-1]:
        raise ConfigError(f"digit must be between 0 and {net.sizes[-1] - 1}, got {digit}")
    return digit


def saliency(net: Network, image, digit: int | None = None) -> tuple[np.ndarray, int]:
    """How each input pixel moves the output neuron's weighted input z (before softmax).

    The gradient ∂z_d/∂x of digit ``d``'s output neuron with respect to the 784 inputs,
    computed by backpropagation: positive where brightening the pixel would make the network
    more sure of d. We use z, not the probability, because the softmax flattens gradients
    once the network is sure.

    Parameters
    ----------
    image : array_like, shape (784,) or (28, 28)
        One example as the model's data holds it, read as :meth:`Network.predict` reads it
        (:func:`example_row`: deskewed for a model that deskews, refused as predict refuses
        it), so that its answer is predict's.
    digit : int, optional
        Which output; by default the network's answer.

    Returns
    -------
    gradient : ndarray, shape (784,), float64
    digit : int
    """
    return _row_saliency(net, example_row(net, image, stacklevel=2), digit)


def _row_saliency(net: Network, x: np.ndarray, digit) -> tuple[np.ndarray, int]:
    """:func:`saliency` of ``x``, the row :func:`example_row` made (for a figure that draws
    it too: :func:`digitnet.viz.saliency_figure`)."""
    net64 = net.astype(np.float64)
    if digit is None:
        digit = int(net64._trace(x[None, :]).output[0].argmax())
    digit = _check_digit(net, digit)

    def dz(z, a):
        e = np.zeros_like(z)
        e[digit] = 1.0
        return e

    return _input_gradient(net64, x, dz), digit


def dream(net: Network, digit: int, *, steps: int = 300, step_size: float = 0.5,
          max_norm: float = 9.0, seed: int = 0) -> np.ndarray:
    """The input that most excites output ``digit``: gradient ascent from faint noise.

    Maximises the log-probability of ``digit`` (its z minus the log-sum-exp of all ten, for a
    softmax output), so the picture shows what makes a ``digit`` rather than what excites
    every output. Pixels stay in [0, 1] and the image's L2 norm at most ``max_norm`` (an
    average MNIST digit has norm 9.3), otherwise the ascent would light every pixel.

    Returns
    -------
    ndarray, shape (sizes[0],), float64 in [0, 1]
    """
    digit = _check_digit(net, digit)
    if steps < 1 or step_size <= 0 or max_norm <= 0:
        raise ConfigError("dream needs steps >= 1, step_size > 0 and max_norm > 0")
    net64 = net.astype(np.float64)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.1, net.sizes[0])

    def dlogp(z, a):
        if net.output_function.name == "softmax":
            return -a + np.eye(len(z))[digit]  # ∂ log softmax(z)_d / ∂z = e_d - p
        # sigmoid outputs normalised to sum 1: log p_d = log a_d - log Σ a
        da = -1.0 / a.sum() + np.eye(len(z))[digit] / max(a[digit], 1e-12)
        return da * a * (1 - a)

    for _ in range(steps):
        g = _input_gradient(net64, x, dlogp)
        norm = np.linalg.norm(g)
        if norm == 0:
            break
        x = np.clip(x + step_size * g / norm, 0, 1)
        length = np.linalg.norm(x)
        if length > max_norm:
            x *= max_norm / length
    return x


# -- how one input flows through the network --------------------------------------------------


def most_active(a: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` largest activations in ``a`` (shape (n,)), in index order;
    all of them when there are no more than ``limit``."""
    if len(a) <= limit:
        return np.arange(len(a))
    return np.sort(np.argsort(-a)[:limit])


def strongest_contributions(w: np.ndarray, a_prev: np.ndarray, rows: np.ndarray,
                            cols: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` largest terms |w_ij a_j| of the weighted sums z_i = Σ_j w_ij a_j + b_i.

    Only the neurons ``rows`` of the layer (weights ``w``, shape (n_out, n_in)) and the inputs
    ``cols`` of the layer below (activations ``a_prev``, shape (n_in,)) take part. Terms that
    are exactly 0 (an unlit pixel) are left out, so fewer than ``k`` may come back.

    Returns
    -------
    i, j : ndarray of int, shape (m,)
        Positions in ``rows`` and ``cols``, weakest term first (so that drawing them in order
        leaves the strongest on top).
    strength : ndarray, shape (m,)
        |w_ij a_j| of each term.
    """
    contrib = w[np.ix_(rows, cols)].astype(np.float64) * a_prev[cols]  # (len(rows), len(cols))
    strength = np.abs(contrib).ravel()
    k = min(k, int((strength > 0).sum()))
    if k == 0:
        empty = np.empty(0, np.intp)
        return empty, empty, np.empty(0)
    top = np.argpartition(-strength, k - 1)[:k]
    top = top[np.argsort(strength[top])]
    i, j = np.divmod(top, len(cols))
    return i, j, strength[top]


def confident_mistakes(net: Network, images, labels, n: int) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray, int]:
    """The ``n`` wrong answers the network is surest of, surest first.

    Parameters
    ----------
    images : array_like, shape (count, 28, 28) or (count, 784)
    labels : array_like of int, shape (count,)

    Returns
    -------
    index : ndarray of int, shape (m,), m <= n
        Which images.
    answer : ndarray of int, shape (m,)
        The network's answer for each.
    confidence : ndarray, shape (m,)
        Its probability for that answer.
    n_wrong : int
        How many of all the images it got wrong.
    """
    images = np.asarray(images)
    labels = np.asarray(labels).astype(np.intp)
    proba = net.probabilities(images.reshape(len(images), -1))
    answer = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(answer != labels)
    index = wrong[np.argsort(-proba[wrong, answer[wrong]])][:n]
    return index, answer[index], proba[index, answer[index]], len(wrong)
