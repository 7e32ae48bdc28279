"""Model builders shared by the chapters, the assignments and the grader."""
from __future__ import annotations


def mlp(input_shape=(28, 28), hidden=(100,), *, activation="relu",
        kernel_initializer="glorot_uniform", n_classes=10, name=None):
    """Flatten -> Dense(hidden...) -> Dense(n_classes, softmax): the course's workhorse."""
    import keras

    layers = [keras.Input(shape=tuple(input_shape))]
    if len(input_shape) > 1:
        layers.append(keras.layers.Flatten())
    layers += [keras.layers.Dense(units, activation=activation,
                                  kernel_initializer=kernel_initializer) for units in hidden]
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    return keras.Sequential(layers, name=name)
