"""Chapter 4: weight initialisation, seen in the activations and then in training.

The original setting (Saito, *Deep Learning from Scratch*, §6.2): a batch of 1,000
standard-normal inputs of 100 features through five Dense(100) layers, weights drawn
from N(0, 1), N(0, 0.01²), Xavier/Glorot (std √(1/n)) or He (std √(2/n)), and the
histogram of each layer's outputs; then a 5 × 100 MLP trained on MNIST with plain SGD
(learning rate 0.01) under each initialisation.
"""
from __future__ import annotations

import numpy as np

from dlcourse.data import load_scaled
from dlcourse.experiments import declare, table
from dlcourse.models import mlp
from dlcourse.profiles import RunSettings
from dlcourse.seeding import seed_everything
from dlcourse.training import Run, last_epoch, train_classifier

INITIALIZERS = ("normal_1", "normal_0.01", "glorot", "he")
LABELS = {"normal_1": "N(0, 1)", "normal_0.01": "N(0, 0.01²)", "glorot": "Glorot √(1/n)",
          "he": "He √(2/n)"}
ACTIVATIONS = ("sigmoid", "tanh", "relu")
HIDDEN = (100,) * 5
# The trained configurations: ReLU under every initialisation, and tanh under the scale
# made for it (Glorot) against the naive N(0, 1).
TRAINED = tuple(("relu", init) for init in INITIALIZERS) + (("tanh", "glorot"),
                                                            ("tanh", "normal_1"))


def initializer(name: str):
    """A fresh Keras initializer; std √(scale/fan_in) for Glorot (scale 1) and He (2).

    Glorot's own rule is √(2/(fan_in + fan_out)); with 100 units in and out it is the
    same √(1/n), which is the form the original demonstration uses.
    """
    import keras

    init = keras.initializers
    if name == "normal_1":
        return init.RandomNormal(stddev=1.0)
    if name == "normal_0.01":
        return init.RandomNormal(stddev=0.01)
    if name in ("glorot", "he"):
        return init.VarianceScaling(scale=1.0 if name == "glorot" else 2.0, mode="fan_in",
                                    distribution="untruncated_normal")
    raise ValueError(f"unknown initialisation {name!r}; choose one of {', '.join(INITIALIZERS)}")


# ------------------------------------------------------------- activations, untrained

def layer_outputs(activation: str, init: str, *, seed: int = 0, n_layers: int = 5,
                  units: int = 100, batch: int = 1000) -> list[np.ndarray]:
    """The outputs of each of ``n_layers`` untrained Dense layers for one standard-normal
    batch: what the initialisation alone does to the signal, before any learning."""
    import keras

    seed_everything(seed)
    a = np.random.default_rng(seed).standard_normal((batch, units)).astype("float32")
    outputs = []
    for _ in range(n_layers):
        layer = keras.layers.Dense(units, activation=activation,
                                   kernel_initializer=initializer(init))
        a = keras.ops.convert_to_numpy(layer(a))
        outputs.append(a)
    return outputs


def flat_share(a: np.ndarray, activation: str) -> float:
    """Share of outputs where the activation's slope is (nearly) zero, so that almost no
    gradient flows back: the saturated tails of sigmoid and tanh, the zero side of ReLU."""
    if activation == "sigmoid":
        return float(np.mean((a < 0.01) | (a > 0.99)))
    if activation == "tanh":
        return float(np.mean(np.abs(a) > 0.99))
    return float(np.mean(a <= 0))


def statistics(outputs: dict, activation: str) -> str:
    """A text table: per initialisation and layer, the outputs' mean, std and flat share."""
    flat = "zero" if activation == "relu" else "saturated"
    n_layers = len(next(iter(outputs.values())))
    lines = [f"{activation}: each layer's outputs, their mean, std and flat ({flat}) share",
             " " * 14 + "".join(f"{'layer ' + str(i + 1):^22s}" for i in range(n_layers)),
             " " * 14 + f"{'mean':>8s}{'std':>8s}{'flat':>5s} " * n_layers]
    for init, layers in outputs.items():
        cells = [f"{a.mean():8.2g}{a.std():8.2g}{flat_share(a, activation):5.0%} " for a in layers]
        lines.append(f"{LABELS[init]:14s}" + "".join(cells))
    return "\n".join(lines)


def plot_grid(outputs: dict, activation: str, *, bins: int = 30):
    """One panel per initialisation (two a row), the five layers' histograms overlaid,
    layer 1 light to layer 5 dark: shrinking or growing outputs show as a narrowing or a
    spike from one shade to the next. The x range is shared within a panel. ReLU's zeros
    are left out of its histograms (their share is in the panel's title)."""
    from matplotlib import colormaps

    from dlcourse.plotting import legend_outside, panels

    fig, axes = panels(len(outputs), height=5.6)
    shades = colormaps["viridis_r"]
    for ax, (init, layers) in zip(axes, outputs.items()):
        if activation == "sigmoid":
            span = (0.0, 1.0)
        elif activation == "tanh":
            span = (-1.0, 1.0)
        else:
            span = (0.0, max(float(np.percentile(a, 99.5)) for a in layers) or 1.0)
        for i, a in enumerate(layers):
            values = a[a > 0] if activation == "relu" else a.ravel()
            ax.hist(values, bins=bins, range=span, weights=np.full(len(values), 1 / a.size),
                    histtype="step", linewidth=1.6, color=shades(0.15 + 0.85 * i / max(1, len(layers) - 1)),
                    label=f"layer {i + 1}")
        title = f"{LABELS[init]}: std {layers[0].std():.2g} → {layers[-1].std():.2g}"
        if activation == "relu":
            title += f", zero {flat_share(layers[-1], activation):.0%}"
        ax.set_title(title)
        ax.locator_params(axis="x", nbins=4)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    for ax in axes[::2]:
        ax.set_ylabel("share of outputs")
    fig.suptitle(f"{activation}: outputs of five untrained layers")
    legend_outside(fig, ncols=len(next(iter(outputs.values()))))
    return fig


def describe_grid(outputs: dict, activation: str) -> str:
    """The histograms' alt text: per initialisation, each layer's std and flat share."""
    flat = "zero" if activation == "relu" else "saturated"
    rows = [f"{LABELS[init]}: std " + ", ".join(f"{a.std():.2g}" for a in layers)
            + f"; {flat} " + ", ".join(f"{flat_share(a, activation):.0%}" for a in layers)
            for init, layers in outputs.items()]
    return (f"Histograms of {activation} outputs in layers 1 to {len(next(iter(outputs.values())))}"
            f" per initialisation. " + ". ".join(rows) + ".")


def experiment_id(activation: str, init: str) -> str:
    return f"init_{activation}_{init}"


def build(activation: str, init: str):
    """The 5 × 100 MLP for 784 inputs; the hidden layers get ``init``, the softmax layer
    keeps Keras's default."""
    return mlp((784,), HIDDEN, activation=activation, kernel_initializer=initializer(init))


def initial_gradients(activation: str, init: str, x, y, seed: int) -> list[float]:
    """The root-mean-square gradient of each layer's kernel (hidden layers, then the
    softmax layer) for one batch, before any update: how much signal reaches each layer
    to learn from. With ``seed`` these are the first weights :func:`train` starts from."""
    import keras
    import numpy as np

    from dlcourse.gradients import gradients

    seed_everything(seed)
    model = build(activation, init)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]

    def loss(outputs):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, outputs))
    return [float(np.sqrt(np.mean(np.square(g)))) for g in gradients(model, loss, x, kernels)]


def train(activation: str, init: str, settings: RunSettings, seed: int) -> Run:
    """The 5 × 100 MLP on MNIST with SGD(0.01); the validation set is the test split."""
    return train_at(activation, init, LEARNING_RATE, settings, seed)


LEARNING_RATE = 0.01


def train_at(activation: str, init: str, learning_rate: float, settings: RunSettings,
             seed: int) -> Run:
    """:func:`train` at another SGD rate (an exercise asks whether a larger rate makes up
    for Glorot's smaller gradients)."""
    import keras

    return train_classifier(lambda: build(activation, init),
                            load_scaled("mnist", settings, flatten=True), settings, seed,
                            optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                            scores=last_epoch("val_accuracy", "val_loss"))


for _act, _init in TRAINED:
    declare(experiment_id(_act, _init), train, _act, _init, label=f"{_act}, {LABELS[_init]}",
            settings="init_training", metrics=("val_accuracy",))

TABLE = table("initialization")


def plot_training(runs: dict, metric: str = "val_accuracy", *, build_label: str = "this build"):
    """One panel per activation, one band per initialisation (its recorded full-profile
    runs over their seeds, :func:`dlcourse.plotting.plot_recorded`) with this build's
    run dotted over it, each initialisation in its chapter colour in every panel."""
    from dlcourse.plotting import panels, plot_recorded

    activations = list(dict.fromkeys(act for act, _ in runs))
    fig, axes = panels(len(activations), sharey=True)
    for ax, act in zip(axes, activations):
        inits = [init for a, init in runs if a == act]
        plot_recorded({LABELS[i]: experiment_id(act, i) for i in inits}, metric, ax=ax,
                      build={LABELS[i]: runs[act, i].history for i in inits},
                      build_label=build_label,
                      title=f"{act}: {metric.replace('val_', 'validation ')}",
                      ylabel=metric.replace("val_", "validation ").replace("_", " "))
    return fig


def answers(model, x) -> dict:
    """Which classes a model predicts for the images ``x``, with the share of each: a
    network that has not learned answers one class for every image."""
    predicted = model.predict(x, batch_size=1000, verbose=0).argmax(axis=1)
    classes, counts = np.unique(predicted, return_counts=True)
    return {int(c): float(n / len(predicted)) for c, n in zip(classes, counts)}
