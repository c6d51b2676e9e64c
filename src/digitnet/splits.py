"""Splits: which training examples are held out for validation.

Two ways, chosen by the recipe (:class:`~digitnet.config.TrainConfig`):

* by fraction (``val_fraction``, ``seed``): :func:`stratified_split` holds out the same share of
  each class, drawn with the seed;
* by group (``val_group``): every example of one group is held out, e.g. every recording of one
  speaker, so that validation measures a voice the network never heard, not only recordings it
  never heard. The groups are the data set's (``Dataset.groups``: a recording's speaker).
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

__all__ = ["stratified_split", "group_split", "train_val_indices", "train_val_split"]


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into (train_index, val_index), keeping each class's proportion.

    For each class, in label order, a permutation drawn from ``np.random.default_rng(seed)``;
    its first ``round(fraction * n_class)`` indices go to validation, the rest to training.
    Both arrays are sorted, disjoint, and together cover ``range(len(labels))``.

    Raises
    ------
    ConfigError
        ``fraction`` is outside [0, 1).
    """
    if not 0.0 <= float(fraction) < 1.0:
        raise ConfigError(f"validation fraction must be in [0, 1), got {fraction}")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ConfigError(f"expected labels of shape (n,), got {labels.shape}")
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        val.append(members[:round(fraction * len(members))])
    val_index = np.sort(np.concatenate(val)) if val else np.empty(0, dtype=np.intp)
    keep = np.ones(len(labels), dtype=bool)
    keep[val_index] = False
    return np.flatnonzero(keep), val_index.astype(np.intp)


def group_split(groups, group: str, what: str = "the data") -> tuple[np.ndarray, np.ndarray]:
    """(train_index, val_index): every example of ``group`` to validation, the rest to training.

    Raises ConfigError when ``groups`` is None (the data records none) or ``group`` is not one
    of them.
    """
    if groups is None:
        raise ConfigError(f"{what} does not say who spoke each example, so no speaker (group) "
                          "can be held out; hold out a fraction instead (--val-fraction)")
    groups = np.asarray(groups)
    held = groups == group
    if not held.any():
        known = ", ".join(sorted(set(groups.tolist())))
        raise ConfigError(f"no speaker (group) {group!r} in {what}; its speakers are {known}")
    return np.flatnonzero(~held), np.flatnonzero(held)


def train_val_indices(data, fraction: float, seed: int,
                      group: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(train_index, val_index) of a training set (a :class:`~digitnet.datasets.Dataset`):
    by :func:`group_split` when ``group`` is given, else by :func:`stratified_split`."""
    if data.split != "train":
        raise ConfigError(f"only a training set is split into train and val; got split {data.split!r}")
    if group is not None:
        return group_split(data.groups, group, data.name)
    return stratified_split(data.labels, fraction, seed)


def train_val_split(data, fraction: float, seed: int,
                    group: str | None = None) -> tuple:
    """Split a training set into ("train", "val") Datasets with :func:`train_val_indices`."""
    train_index, val_index = train_val_indices(data, fraction, seed, group)
    return data.subset(train_index, "train"), data.subset(val_index, "val")
