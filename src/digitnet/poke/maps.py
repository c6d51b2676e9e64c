"""Maps of the layers: each example's activations in a layer laid out as one point in a plane.

Digits that a layer represents alike land close together, so a map per layer shows the classes
pulling apart as the network goes deeper. Two ways to flatten a layer's ``sizes[l]`` numbers to
two:

* ``"pca"``: the two directions along which the examples' activations vary most (principal
  component analysis, in NumPy): a straight projection, so distances keep their meaning;
* ``"tsne"``: t-SNE (scikit-learn's, the ``sklearn`` extra), which keeps near neighbours near
  and lets clusters show, at the price of distances between clusters meaning little. It takes
  seconds for a couple of thousand examples; pass fewer rows for a quick look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, DataError, MissingDependencyError
from ..modelfile import as_network
from ..network import Network
from .activity import layer_activity
from .reading import whole

__all__ = ["Embedding", "embedding", "pca", "METHODS"]

METHODS = ("pca", "tsne")


@dataclass(frozen=True)
class Embedding:
    """One point per example.

    Attributes
    ----------
    points : ndarray, shape (n, 2), float64
    method : str
    explained : ndarray of shape (2,), or None
        For PCA, the share of the layer's variance along each axis.
    """

    layer: int
    points: np.ndarray
    method: str
    explained: np.ndarray | None = None


def pca(values: np.ndarray, n_components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The examples (rows of ``values``, shape (n, d)) projected on their ``n_components``
    principal directions, and the share of the variance along each.

    The directions are the top eigenvectors of the covariance matrix (d x d), each signed so
    that its largest entry is positive (so the same data always gives the same picture). A
    layer with fewer directions of variance than asked for gives zeros for the rest.

    Returns
    -------
    points : ndarray, shape (n, n_components), float64
    explained : ndarray, shape (n_components,)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise DataError(f"a map needs at least 2 examples, got an array of shape {x.shape}")
    x = x - x.mean(axis=0)
    cov = x.T @ x / (len(x) - 1)
    variances, vectors = np.linalg.eigh(cov)  # ascending
    order = np.argsort(variances)[::-1][:n_components]
    variances, vectors = np.clip(variances[order], 0, None), vectors[:, order]
    if len(order) < n_components:  # a layer narrower than the map: pad with still directions
        pad = n_components - len(order)
        variances = np.concatenate([variances, np.zeros(pad)])
        vectors = np.concatenate([vectors, np.zeros((len(vectors), pad))], axis=1)
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(n_components)])
    vectors = vectors * np.where(signs == 0, 1, signs)
    total = cov.trace()  # the layer's whole variance
    explained = variances / total if total > 0 else np.zeros(n_components)
    return x @ vectors, explained


def embedding(net: Network, rows, layer: int, method: str = "pca", seed: int = 0) -> Embedding:
    """A 2-D map of ``layer``'s activations (0: the input itself, 1 to L: the layers after it).

    Parameters
    ----------
    rows : array_like, shape (n, sizes[0])
        Examples as ``inputs.of(net).rows`` makes them, the input layer's rows (checked by
        :func:`~.rows.check_rows`, as :func:`~.ablation.ablate` says).
    method : {"pca", "tsne"}
    seed : int
        t-SNE's random start (PCA has none).
    """
    net = as_network(net, "poke.embedding")
    if method not in METHODS:
        raise ConfigError(f"unknown map method {method!r}; choose one of {', '.join(METHODS)}")
    _, a = layer_activity(net, rows, [layer])[layer]
    if method == "pca":
        points, explained = pca(a)
        return Embedding(layer, points, method, explained)
    return Embedding(layer, _tsne(a, whole(seed, "seed")), method)


def _tsne(values: np.ndarray, seed: int) -> np.ndarray:
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise MissingDependencyError("t-SNE maps need the sklearn extra: pip install "
                                     "'digitnet[sklearn]' (or use the pca method)") from None
    if len(values) < 5:
        raise DataError(f"a t-SNE map needs at least 5 examples, got {len(values)}")
    values = np.asarray(values, dtype=np.float64)
    if not np.ptp(values, axis=0).any():  # every example alike (a layer switched off, say):
        return np.zeros((len(values), 2))  # one point, as PCA puts them (scikit-learn crashed)
    perplexity = min(30.0, (len(values) - 1) / 3)
    # 250 iterations of early exaggeration, then 500 to settle (openTSNE's default schedule),
    # not scikit-learn's 1,000 in all: a map answers the page in a few seconds, not ten.
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", max_iter=750,
                random_state=seed)
    return tsne.fit_transform(values).astype(np.float64)
