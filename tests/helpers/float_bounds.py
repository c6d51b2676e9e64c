"""How far a float32 computation may lie from the exact one: running error bounds.

The tests compare float32 results (NumPy's and the compiled engine's) with the same computation
in float64, which is exact to within 2^-53 and serves as the truth. How close is close enough
follows from the arithmetic, not from what happened to pass: with unit roundoff u = 2^-24,

* a sum of n terms, in any order and with or without fused multiply-adds, lies within
  γ_n · Σ|terms| of the exact sum, γ_n = n u / (1 - n u) (Higham, *Accuracy and Stability of
  Numerical Algorithms*, §3.1); a matrix product is a sum per entry, so fl(a Wᵀ + b) lies within
  γ_{n_in+1} (|a| |W|ᵀ + |b|) of a Wᵀ + b;
* errors already in an input travel on through the operation: e_a |W|ᵀ for a product, times the
  largest slope |σ'| through an activation (1/4 for the sigmoid, 1 for tanh and the ReLUs);
* each elementary function adds a few roundings of its own (the ``ROUNDINGS`` below);
* where a weighted input z lies within its own error bound of 0, a ReLU may see the other side:
  its derivative may be either 0 or 1 there, and the bound allows both;
* below the smallest normal number (float32's 2^-126) rounding is absolute, not relative, and a
  library that flushes such results to zero loses them whole (onnxruntime 1.32's softmax gives 0
  for 4e-44): the softmax's exp and quotient may each be off by that much (``TINY``).

The bounds are first order (products of two error terms, of order u², are dropped); they are
tight enough that a real slip (a wrong index, a missing term) is far outside them.
"""

from __future__ import annotations

import numpy as np

U = 2.0 ** -24  # float32's unit roundoff
U64 = 2.0 ** -53  # float64's
#: The smallest normal number of each arithmetic, by its unit roundoff: what a result under it may
#: lose (all of it, where it is flushed to zero)
TINY = {U: float(np.finfo(np.float32).tiny), U64: float(np.finfo(np.float64).tiny)}

#: The largest slope of each activation, by which an error in z can grow in a = σ(z).
SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}
#: Roundings made in evaluating each function, as a multiple of u: relative to |a|, except the
#: sigmoid's, whose 0.5 (1 + tanh(z/2)) form makes an absolute error of a few u near 0.
ROUNDINGS = {"sigmoid": 8, "tanh": 8, "relu": 0, "leaky_relu": 1, "softmax": 8}


def gamma(n, u: float = U) -> float:
    return n * u / (1 - n * u)


def _activation(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    return np.where(z > 0, z, 0.01 * z)


def _derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).astype(float)
    return np.where(z > 0, 1.0, 0.01)


def forward(net, x: np.ndarray, u: float = U, exact_sums: bool = False,
            input_error: np.ndarray | None = None) -> tuple[list, list, list]:
    """The exact forward pass (float64) and the error bound of a float32 one, layer by layer.

    Returns ``(zs, activations, errors)``: ``activations[l]`` of layer l (0 = the input) and
    ``errors[l]`` bounding |float32 a - exact a| elementwise; ``zs[l - 1]`` is layer l's z, and
    ``errors`` also holds the z bounds as ``errors_z = errors[len(activations):]``.

    ``u`` is the unit roundoff of the arithmetic bounded (float32's by default; :data:`U64`
    bounds a float64 computation against the exact one). ``exact_sums`` says the weighted sums
    of the hidden layers are computed without rounding (inputs and weights chosen so that
    every product and partial sum is representable), so only their functions round.
    ``input_error``, when given, bounds the error already in ``x`` (elementwise), in place of
    the rounding of float inputs to float32.
    """
    x = np.asarray(x)
    a = x.astype(np.float64) / (255.0 if x.dtype == np.uint8 else 1.0)
    exact_input = x.dtype != np.uint8 or not np.isin(x, (0, 255)).all()
    first = u * np.abs(a) if exact_input else 0 * a
    acts, zs, err_z = [a], [], []
    err_a = [first if input_error is None else np.broadcast_to(input_error, a.shape)]
    last = len(net.weights) - 1
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        w, b = w.astype(np.float64), b.astype(np.float64)
        z = a @ w.T + b
        rounding = 0.0 if exact_sums and l < last else gamma(w.shape[1] + 1, u)
        ez = rounding * (np.abs(a) @ np.abs(w).T + np.abs(b)) + err_a[-1] @ np.abs(w).T
        if l < last:
            name = net.activation.name
            a = _activation(name, z)
            own = ROUNDINGS[name] * u * (np.ones_like(a) if name == "sigmoid" else np.abs(a))
            ea = SLOPE[name] * ez + own
        elif net.output_function.name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
            spread = 2 * ez.max(axis=1, keepdims=True) + u * np.abs(z - z.max(axis=1, keepdims=True))
            ea = a * (spread + (w.shape[0] + ROUNDINGS["softmax"]) * u) + 2 * TINY.get(u, 0.0)
        else:
            a = _activation("sigmoid", z)
            ea = SLOPE["sigmoid"] * ez + ROUNDINGS["sigmoid"] * u
        zs.append(z)
        acts.append(a)
        err_z.append(ez)
        err_a.append(ea)
    return zs, acts, err_a + err_z


def gradient(net, x: np.ndarray, labels: np.ndarray, u: float = U,
             exact_sums: bool = False) -> tuple[float, np.ndarray, np.ndarray, float]:
    """The exact batch-mean cost and gradient (float64), and bounds for float32 ones
    (``u`` and ``exact_sums`` as for :func:`forward`).

    Returns ``(loss, grads, grad_errors, loss_error)``, ``grads`` laid out like ``net.params``.
    """
    U = u  # noqa: N806 (the bounds below are written for any unit roundoff)
    zs, acts, errors = forward(net, x, u, exact_sums)
    L = len(net.weights)
    err_a, err_z = errors[: L + 1], errors[L + 1 :]
    b = len(labels)
    rows = np.arange(b)
    out, z = acts[-1], zs[-1]
    onehot = np.zeros_like(out)
    onehot[rows, labels] = 1
    if net.output_function.name == "softmax":
        m = z.max(axis=1)
        lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
        loss = float(np.mean(lse - z[rows, labels]))
        loss_err = float(np.mean(err_z[-1].max(axis=1) + err_z[-1][rows, labels])
                         + (z.shape[1] + 8 + b) * U * np.mean(np.abs(lse) + np.abs(z[rows, labels])))
        delta = (out - onehot) / b
        err_delta = err_a[-1] / b + 2 * U * np.abs(delta)
    else:
        diff = out - onehot
        loss = float(np.mean(np.sum(diff * diff, axis=1)))
        loss_err = float(np.mean(np.sum(2 * np.abs(diff) * err_a[-1], axis=1))
                         + (z.shape[1] + b + 4) * U * loss)
        delta = 2 * diff * out * (1 - out) / b
        err_delta = 2 * 1.25 * err_a[-1] / b + 6 * U * np.abs(delta)
    grads, grad_errs = np.zeros(net.parameter_count), np.zeros(net.parameter_count)
    gw, gb = net.unflatten(grads)
    ew, eb = net.unflatten(grad_errs)
    for l in reversed(range(L)):
        a = acts[l]
        gw[l][...] = delta.T @ a
        ew[l][...] = (gamma(b, u) * (np.abs(delta).T @ np.abs(a)) + err_delta.T @ np.abs(a)
                      + np.abs(delta).T @ err_a[l])
        gb[l][...] = delta.sum(axis=0)
        eb[l][...] = gamma(b, u) * np.abs(delta).sum(axis=0) + err_delta.sum(axis=0)
        if l > 0:
            w = net.weights[l].astype(np.float64)
            back = delta @ w
            err_back = gamma(w.shape[0], u) * (np.abs(delta) @ np.abs(w)) + err_delta @ np.abs(w)
            name = net.activation.name
            slope = _derivative(name, zs[l - 1], acts[l])
            if name in ("relu", "leaky_relu"):  # the kink: either side's slope within reach
                unsure = np.abs(zs[l - 1]) <= err_z[l - 1]
                err_slope = np.where(unsure, 1.0, 0.0)
            else:  # σ' from a: a(1 - a) or 1 - a², each moved by at most 2 |a| err_a + rounding
                err_slope = 2 * err_a[l] + 4 * U * np.abs(slope)
            delta = back * slope
            err_delta = (err_back * np.abs(slope) + np.abs(back) * err_slope
                         + 2 * U * np.abs(delta))
    return loss, grads, grad_errs, loss_err


def normalised_logit_bounds(params, pixels: np.ndarray, mean: float,
                            std: float) -> tuple[np.ndarray, np.ndarray]:
    """(digitnet's bound, PyTorch's or onnxruntime's bound) on |float32 logits - exact logits|
    of a 784-n-k ReLU MLP fed (pixels / 255 - mean) / std, whose first layer digitnet folds the
    scaling into: ``params`` its float32 W, b, W2, b2. Derived in
    tests/integration/test_onnx_normalize_folded.py's docstring (first order in u)."""
    w, b, w2, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    m, s, u = float(mean), float(std), U
    a = pixels.reshape(len(pixels), -1).astype(np.float64) / 255
    w_star, b_star = w / s, b - w.sum(axis=1) * (m / s)
    r = (a - m) / s
    a1 = np.maximum(a @ w_star.T + b_star, 0)
    float64 = gamma(786, U64) * (np.abs(w).sum(axis=1) * abs(m / s) + np.abs(b))
    ours = (gamma(785) * (a @ np.abs(w_star).T + np.abs(b_star))
            + 3 * u * a @ np.abs(w_star).T + u * np.abs(b_star) + 2 * float64)
    e_r = (u * a + u * np.abs(a - m)) / s + 2 * u * np.abs(r)
    theirs = gamma(785) * (np.abs(r) @ np.abs(w).T + np.abs(b)) + e_r @ np.abs(w).T
    second = gamma(a1.shape[1] + 1) * (a1 @ np.abs(w2).T + np.abs(b2))
    return second + ours @ np.abs(w2).T, second + theirs @ np.abs(w2).T
