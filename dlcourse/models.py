"""Model builders shared by the chapters, the assignments and the grader."""
from __future__ import annotations


def mlp(input_shape=(28, 28), hidden=(100,), *, activation="relu",
        kernel_initializer="glorot_uniform", n_classes=10, output="softmax", name=None):
    """Flatten -> Dense(hidden...) -> Dense(n_classes): the course's workhorse, with a
    softmax output (the seeds') or, with ``output="logits"``, none (for a loss with
    ``from_logits=True``; see :func:`output_layer`)."""
    import keras

    layers = [keras.Input(shape=tuple(input_shape))]
    if len(input_shape) > 1:
        layers.append(keras.layers.Flatten())
    layers += [keras.layers.Dense(units, activation=activation,
                                  kernel_initializer=kernel_initializer) for units in hidden]
    layers.append(output_layer(output, n_classes))
    return keras.Sequential(layers, name=name)


def output_layer(output: str, n_classes: int = 10):
    """The output layer: ``"logits"`` (no activation) or ``"softmax"``.

    A network whose logits grow large (raw pixels, a rate far too large) saturates its
    softmax. The cross-entropy of a softmax output is then exact only on TensorFlow,
    where Keras quietly takes the softmax's logits; JAX and PyTorch take the logarithm
    of the probabilities clipped to 1e-7, which leaves the saturated samples without a
    gradient (``benchmarks/softmax_loss_backends.py``). Logits and ``from_logits=True``
    give the exact loss on every backend."""
    import keras

    if output not in ("logits", "softmax"):
        raise ValueError(f"output is 'logits' or 'softmax', not {output!r}")
    return keras.layers.Dense(n_classes, activation="softmax" if output == "softmax" else None)


def outputs_logits(model) -> bool:
    """Whether ``model``'s last layer gives logits (no activation) rather than
    probabilities."""
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") == "linear"
