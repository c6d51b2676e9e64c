"""Knowledge distillation (Hinton, Vinyals and Dean 2015): a network learns from another's answers.

A trained network (the *teacher*) says more about an example than its label: a 7 it reads as
"7, or perhaps a 1" tells the student which digits look alike. Softening its softmax with a
temperature T > 1 brings those small probabilities out. The student then minimises, per
example with label y, logits z and the teacher's logits z_t, ::

    C = (1 - w) · (-log softmax(z)_y)  +  w · T² · KL(softmax(z_t / T) ‖ softmax(z / T))

where w is the teacher's weight. The T² keeps the second term's gradient the size of the first
as T changes (each of its derivatives carries a 1/T); KL rather than cross-entropy makes the
second term 0 when the student agrees with the teacher, and has the same gradient:

    ∂C/∂z = (1 - w) · (softmax(z) - e_y)  +  w · T · (softmax(z / T) - softmax(z_t / T))

The teacher's softened probabilities are computed once per run, for every training example,
through the teacher's own input record (:func:`digitnet.inputs.of`: a deskewing teacher reads
deskewed digits whatever the student reads), on the examples as they are stored: shifted or
distorted copies the student sees keep their original's targets. :class:`Teacher` holds them
with T and w; the NumPy engine (:mod:`digitnet.engines.numpy`) calls :meth:`Teacher.delta` and
:meth:`Teacher.loss` in place of the output layer's own, and costs are batch means, as in
:mod:`digitnet.losses`.

Label smoothing is the same lesson from a teacher that knows nothing, every class equally
likely (:func:`smoothing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import finetune, inputs, modelfile
from .errors import ConfigError
from .network import Network

__all__ = ["Teacher", "teacher_for", "soft_targets", "smoothing"]

#: Examples run through the teacher at once while computing its targets.
_BLOCK = 1024


@dataclass(frozen=True)
class Teacher:
    """A teacher's softened answers for a run's examples, with the temperature and its weight.

    Attributes
    ----------
    targets : ndarray, shape (n, n_classes)
        softmax(z_t / T) for each of the run's examples (rows sum to 1), in the data's order.
    temperature : float
        T > 0; 1 leaves the teacher's probabilities as they are.
    weight : float
        w in [0, 1]: 0 learns from the labels alone, 1 from the teacher alone.
    """

    targets: np.ndarray
    temperature: float
    weight: float

    def loss(self, z: np.ndarray, labels: np.ndarray, targets: np.ndarray) -> float:
        """The batch-mean cost C (module docstring) of logits ``z`` (batch, n_classes) for
        examples with ``labels`` (batch,) and teacher targets ``targets`` (rows of
        :attr:`targets`)."""
        t, w = self.temperature, self.weight
        z = z.astype(np.float64)
        rows = np.arange(len(labels))
        hard = _log_softmax(z)[rows, labels]
        q = targets.astype(np.float64)
        # KL(q ‖ p_T) = Σ q (log q - log p_T), with 0 · log 0 taken as 0.
        kl = np.sum(q * (np.log(np.where(q > 0, q, 1)) - _log_softmax(z / t)), axis=1)
        return float(np.mean((1 - w) * -hard + w * t * t * kl))

    def delta(self, z: np.ndarray, a: np.ndarray, labels: np.ndarray, targets: np.ndarray,
              out: np.ndarray | None = None) -> np.ndarray:
        """∂C/∂z of the batch-mean cost, shape (batch, n_classes); ``a`` is softmax(z), the
        output layer's activations (module docstring)."""
        t, w = self.temperature, self.weight
        out = np.multiply(a, 1 - w, out=out)
        out[np.arange(len(labels)), labels] -= 1 - w  # (1 - w)(softmax(z) - e_y)
        soft = _softmax(z / t)
        soft -= targets
        soft *= w * t
        out += soft
        out /= len(labels)
        return out


def teacher_for(model: str | Network, data, temperature: float, weight: float,
                output: str = "softmax", name: str | None = None) -> Teacher:
    """The :class:`Teacher` of a run: ``model`` (a model file or Network) answering for each of
    the examples of ``data`` (a :class:`digitnet.datasets.Dataset`, as stored), softened at
    ``temperature``, with ``weight``. ``output`` is the student's output layer; ``name`` names
    the teacher in messages (by default "--teacher FILE", or "the teacher" for a Network).

    Raises
    ------
    ConfigError
        The student's or the teacher's output is not softmax; the teacher reads another kind
        or size of input than the data holds, or other columns (checked as ``--init``'s model
        is: :func:`digitnet.finetune.check_reads`); or it knows other classes than the data has.
    """
    _needs_softmax(output, "distillation")
    net = model if isinstance(model, Network) else modelfile.load(model)
    name = name or ("the teacher" if isinstance(model, Network) else f"--teacher {model}")
    finetune.check_reads(inputs.of(net), data.input, name, "--teacher")
    named = inputs.classes_of(net)
    if list(named) != [str(c) for c in data.classes]:
        raise ConfigError(f"{name} answers with the classes {', '.join(named)}, and the data "
                          f"has {', '.join(map(str, data.classes))}; use a teacher trained on "
                          "the same classes")
    return Teacher(soft_targets(net, data.x, temperature), temperature, weight)


def smoothing(n: int, n_classes: int, share: float, output: str = "softmax") -> Teacher:
    """Label smoothing (Szegedy et al. 2016) for ``n`` training examples: a teacher that knows
    nothing. Its targets are 1 / ``n_classes`` for every class, at temperature 1 with weight
    ``share`` (ε), so the gradient above becomes

        ∂C/∂z = softmax(z) - ((1 - ε) · e_y + ε / K),

    that of cross-entropy with targets 1 - ε + ε / K on the label and ε / K elsewhere. The cost
    C is that smoothed cross-entropy less the constant ε · log K (KL in place of cross-entropy:
    0 when the network answers exactly the smoothed targets). The targets are one row, seen
    ``n`` times (a broadcast view, no memory per example).
    """
    _needs_softmax(output, "label smoothing")
    row = np.full(n_classes, 1 / n_classes, np.float32)
    return Teacher(np.broadcast_to(row, (n, n_classes)), 1.0, share)


def soft_targets(teacher: Network, examples: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(z_t / T) of ``teacher`` for each example, shape (n, n_classes), float32.

    ``examples`` are a data set's stored examples (images (n, h, w) or table rows (n, d));
    each block of them goes through the teacher's own input record first.
    """
    if teacher.output_function.name != "softmax":
        raise ConfigError(f"a teacher needs a softmax output to soften, and this one has a "
                          f"{teacher.output_function.name} output; use a softmax model")
    reader = inputs.of(teacher)
    out = np.empty((len(examples), teacher.sizes[-1]), np.float32)
    for start in range(0, len(examples), _BLOCK):
        z = teacher.trace(reader.rows(examples[start : start + _BLOCK])).zs[-1]
        out[start : start + _BLOCK] = _softmax(z.astype(np.float64) / temperature)
    return out


def _needs_softmax(output: str, what: str) -> None:
    """Raise ConfigError unless the student's output layer (``output``) is softmax: ``what``
    (distillation, label smoothing) trains towards soft targets through it."""
    if output != "softmax":
        raise ConfigError(f"{what} trains a softmax output, and this network's is {output}; "
                          "use --output softmax")


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
