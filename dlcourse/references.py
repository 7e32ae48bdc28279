"""Published reference numbers, in one place, with where each comes from."""
from __future__ import annotations

HANDSON = "Hands-On ML 2nd ed. (handson-ml2), ch. 11, exercise 8 solution notebook"
CIFAR_POST = "the original post of the CIFAR-10 exercise"
LR_POST = "the original post (RMSprop on MNIST, learning rate 0.5 vs 1e-6)"
OPT_POST = "the original post (optimizers on Fashion-MNIST)"

# (experiment id, metric) -> [(value, source), ...]; the first one is the primary.
REFERENCES: dict[tuple[str, str], list[tuple[float, str]]] = {
    ("mnist_rmsprop_lr_0.5", "test_loss"): [(4.290, LR_POST)],
    ("mnist_rmsprop_lr_0.5", "test_accuracy"): [(0.3456, LR_POST)],
    ("mnist_rmsprop_lr_1e-06", "test_loss"): [(1.021, LR_POST)],
    ("mnist_rmsprop_lr_1e-06", "test_accuracy"): [(0.8087, LR_POST)],
    ("fashion_adam", "train_accuracy"): [(0.8860, OPT_POST)],
    ("fashion_adam", "val_loss"): [(0.3354, OPT_POST)],
    ("fashion_adam", "val_accuracy"): [(0.8782, OPT_POST)],
    ("cifar10_a_elu_he", "val_accuracy"): [(0.476, HANDSON)],
    ("cifar10_b_nadam_search", "val_accuracy"): [(0.476, HANDSON)],
    ("cifar10_c_batchnorm", "val_accuracy"): [(0.540, HANDSON), (0.525, CIFAR_POST)],
    ("cifar10_d_selu", "val_accuracy"): [(0.479, HANDSON), (0.479, CIFAR_POST)],
    ("cifar10_e_alpha_dropout", "val_accuracy"): [(0.489, HANDSON), (0.487, CIFAR_POST)],
    ("cifar10_e_mc_dropout", "val_accuracy"): [(0.489, HANDSON)],
    ("cifar10_f_1cycle", "val_accuracy"): [(0.520, HANDSON)],
}


def reference(experiment: str, metric: str) -> tuple[float | None, str | None]:
    """The primary reference of a metric, or (None, None) when none was published."""
    found = REFERENCES.get((experiment, metric))
    return found[0] if found else (None, None)
