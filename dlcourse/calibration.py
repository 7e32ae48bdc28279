"""The generalisation gap of a classifier, measured on its recalibrated outputs.

A network's cross-entropy depends on how confident its outputs are as much as on what
it has learnt: divide its output layer's weights by 50 (or its last hidden layer's,
or mix its outputs with the uniform distribution) and its softmax goes almost flat, so
both its training and its held-out cross-entropy sit near log(10) and their gap
vanishes, though the network, and how much it over-fits, are the same. So the gap is
measured after *recalibration*: the network's log-probabilities ``L`` become
``softmax(s * L + c)``, with one temperature ``1 / s`` and one offset per class ``c``
chosen to minimise the cross-entropy on the held-out images themselves (a convex
problem, solved by Newton's method), and the same ``s`` and ``c`` apply to the training
images. A rescaled, shifted or flattened output layer gets its scale back; a network
whose outputs are calibrated already keeps them (``s = 1``, ``c = 0`` is one choice,
and the held-out loss never rises). The chapter records this gap
(``dlcourse.experiments.regularization``) and the grader computes it
(``grader.checks.models``) with this one function. NumPy only.
"""
from __future__ import annotations

import numpy as np

# Keras's cross-entropy clips probabilities to [1e-7, 1 - 1e-7].
LOG_EPSILON = 1e-7
# Newton's method: at most this many steps, stopped once the gradient is this small; a
# held-out set the outputs separate perfectly has no finite optimum: the scale stops here.
MAX_STEPS = 100
TOLERANCE = 1e-10
MAX_SCALE = 1e4


def log_probabilities(p) -> np.ndarray:
    """Per-image log-probabilities of a softmax output ``p``, clipped as Keras clips them."""
    return np.log(np.clip(np.asarray(p, dtype="float64"), LOG_EPSILON, 1.0))


def _normalised(logs) -> np.ndarray:
    """Each row of ``logs`` as log-probabilities (what softmax makes of it)."""
    logs = np.asarray(logs, dtype="float64")
    top = logs.max(axis=1, keepdims=True)
    return logs - top - np.log(np.exp(logs - top).sum(axis=1, keepdims=True))


def cross_entropy(logs, y) -> float:
    """The mean cross-entropy of per-image log-probabilities (or logits) ``logs``."""
    y = np.asarray(y, dtype=int)
    return float(-_normalised(logs)[np.arange(len(y)), y].mean())


def _centred(logs) -> np.ndarray:
    logs = np.asarray(logs, dtype="float64")
    return logs - logs.mean(axis=1, keepdims=True)  # the same softmax


def fit(logs, y) -> tuple[float, np.ndarray]:
    """``(s, c)`` minimising the cross-entropy of ``softmax(s * logs + c)`` on labels
    ``y``, with ``s >= 0`` and ``c[0] = 0`` (a common shift changes nothing). Starts from
    ``s = 1, c = 0``, the outputs as they are, and only ever lowers the loss."""
    x, y = _centred(logs), np.asarray(y, dtype=int)
    n, k = x.shape
    scale = float(x.std()) or 1.0  # Newton works on x / scale: s of order 1
    x = x / scale
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1

    def loss(theta):
        u = theta[0] * x + np.concatenate([[0.0], theta[1:]])
        return cross_entropy(u, y), u

    theta = np.zeros(k)
    theta[0] = scale
    value, u = loss(theta)
    for _ in range(MAX_STEPS):
        q = np.exp(_normalised(u))
        r = (q - onehot) / n
        grad = np.concatenate([[(r * x).sum()], r.sum(axis=0)[1:]])
        if np.abs(grad).max() < TOLERANCE or theta[0] >= MAX_SCALE:
            break
        mean_x = (q * x).sum(axis=1, keepdims=True)
        hessian = np.empty((k, k))
        hessian[0, 0] = ((q * x * x).sum(axis=1) - mean_x[:, 0] ** 2).sum() / n
        cross = (q * x - q * mean_x).sum(axis=0) / n
        hessian[0, 1:] = hessian[1:, 0] = cross[1:]
        hessian[1:, 1:] = (np.diag(q.sum(axis=0)) - q.T @ q)[1:, 1:] / n
        step = np.linalg.solve(hessian + 1e-12 * np.eye(k), grad)
        size = 1.0
        while size > 1e-8:  # backtracking: the loss must fall
            candidate = theta - size * step
            candidate[0] = min(max(candidate[0], 0.0), MAX_SCALE)
            new_value, new_u = loss(candidate)
            if new_value < value:
                break
            size /= 2
        else:
            break
        if value - new_value < 1e-15:
            theta, value, u = candidate, new_value, new_u
            break
        theta, value, u = candidate, new_value, new_u
    return float(theta[0] / scale), np.concatenate([[0.0], theta[1:]])


def recalibrated(logs, s: float, c) -> np.ndarray:
    """``softmax(s * logs + c)`` as log-probabilities."""
    return _normalised(s * _centred(logs) + np.asarray(c))


def calibrated_gap(train_logs, y_train, eval_logs, y_eval) -> dict:
    """The gap between the held-out (``eval``) and the training cross-entropy once the
    outputs are recalibrated on the held-out images (:func:`fit`): ``{"gap", "train",
    "eval", "temperature", "raw_gap"}`` (``temperature``: ``1 / s``)."""
    s, c = fit(eval_logs, y_eval)
    on_train = cross_entropy(recalibrated(train_logs, s, c), y_train)
    on_eval = cross_entropy(recalibrated(eval_logs, s, c), y_eval)
    return {"gap": on_eval - on_train, "train": on_train, "eval": on_eval,
            "temperature": 1 / s if s > 0 else float("inf"),
            "raw_gap": cross_entropy(eval_logs, y_eval) - cross_entropy(train_logs, y_train)}
