"""Poke the network: switch neurons off, rewrite them by hand, see what each answers to, and
step through backpropagation: the experiments the video invites, on held-out examples.

One implementation that the page (``digitnet serve``), its API, ``digitnet show`` and Python
call::

    from digitnet import poke
    rows, y = inputs.of(net).rows(held_out.x), held_out.labels   # (deskewed, if net deskews)
    poke.ablate(net, rows, y, poke.Changes(off=((1, 3), (2, 7)))).to_dict()
    poke.rank_neurons(net, rows, y)[:5]               # the neurons accuracy needs most
    edited = poke.Changes(edits=(poke.edge_detector(net, 0, 12, 4, 3, 20),)).apply(net)
    poke.neuron_profile(edited, rows, y, layer=1, neuron=0).top   # the digits it fires for
    poke.embedding(net, rows, layer=2).points         # a PCA map of the second hidden layer
    poke.robustness_curves([net, other], held_out.x, y)   # the pictures themselves
    poke.backprop_step(net, rows[0], label=7, lr=0.1).cost_after

============================  =================================================================
:mod:`~.changes`              :class:`Changes`: neurons switched off, edits; applied to a copy
:mod:`~.reading`              a description of changes read and checked; :func:`~.reading.whole`
:mod:`~.recorded`             :func:`off_neurons` of a changed network, :func:`sent` (an off
                              neuron's output, 0), :func:`described_changes` in words, where a
                              weight comes from in words (:func:`weight_source`)
:mod:`~.ablation`             :func:`ablate`, :func:`rank_neurons`
:mod:`~.answers`              :func:`neuron_profile` (top examples, per class), :func:`class_means`
:mod:`~.maps`                 :func:`embedding`: PCA (NumPy) or t-SNE (scikit-learn) per layer
:mod:`~.robustness`           :func:`robustness_curves`: noise, rotation, shift, thickness
:mod:`~.stepping`             :func:`backprop_step`: cost, δ of every layer, one SGD step
:mod:`~.activity`             every layer's z and a over many examples, the layers after one
:mod:`~.rows`                 :func:`~.rows.check_rows`: the one check of the rows they take
============================  =================================================================

Layers are numbered as everywhere in digitnet: 0 is the input layer (it cannot be switched off
or edited), 1 the first hidden layer, L = ``len(net.sizes) - 1`` the output layer. Examples go
in as ``inputs.of(net).rows`` makes them and classes are named by ``inputs.classes_of(net)``,
so table models work wherever a function does not need pictures (:func:`robustness_curves`
and the edge detector need a model of images: not a table's, nor a speech model's pictures of
sounds, and say so). :func:`robustness_curves` alone takes the pictures as the data holds them
(``held_out.x``), since it distorts them before each network makes its rows. What cannot be
the input layer's rows is refused (:func:`~.rows.check_rows`), not read silently wrong:
pictures (n, h, w), floats past 1 (pixels 0..255 not scaled), for a model that deskews
pictures not deskewed. A model of pictures' rows are pixels, uint8 0..255 or floats in [0,
1]; a table's rows may be any finite numbers. Layers, neurons and labels are whole numbers
(3.0 too), read as :class:`Changes` reads its own (:func:`~.reading.whole`); anything else is
a ConfigError of one line.
"""

from __future__ import annotations

from .ablation import Ablation, NeuronDrop, Score, ablate, rank_neurons
from .answers import Profile, class_means, neuron_profile
from .changes import Changes, edge_detector, grid_of
from .maps import Embedding, embedding, pca
from .recorded import (by_hand, described_changes, described_neuron, described_prediction,
                       off_neurons, sent, weight_source)
from .robustness import DISTORTIONS, Curve, check_distortable, distort, robustness_curves
from .stepping import DEFAULT_LR, MAX_LR, Step, backprop_step

__all__ = ["Changes", "described_changes", "described_neuron", "described_prediction",
           "off_neurons", "sent", "weight_source", "by_hand",
           "edge_detector", "grid_of",
           "Score", "Ablation", "NeuronDrop", "ablate", "rank_neurons", "Profile",
           "neuron_profile", "class_means", "Embedding", "embedding", "pca", "DISTORTIONS",
           "Curve", "distort", "robustness_curves", "check_distortable", "Step",
           "backprop_step", "DEFAULT_LR", "MAX_LR"]
