"""The regularization assignment: chapter 5's over-fitting 2 x 300 ReLU network on the
first few thousand Fashion-MNIST training images, held back with the chapter's tools (an
L2 penalty, dropout, early stopping with a checkpoint of the best epoch). Graded on
accuracy and on the gap between its held-out and training cross-entropy. This file is
the instructor's: nbgrader's release leaves it out.

The bound on the gap is halfway between the recorded gaps of the chapter's unregularised
network and its L2 network, each measured on recalibrated outputs (``calibrated_loss_gap``:
a temperature and an offset per class fitted to the validation images,
``dlcourse.calibration``, so that a rescaled output layer cannot shrink it; full profile:
0.38 and 0.09, so 0.23; quick: 0.36 and 0.24, so 0.29); the accuracy threshold is the L2 network's recorded validation accuracy less
0.03, each profile from its own records in ``book/results`` (the quick ones, which CI
grades with, by ``python -m dlcourse.reproduce --profile quick reg_``).
"""
from grader.models.assignment import ModelAssignment

ASSIGNMENT = ModelAssignment(
    name="regularization",
    title="a regularised network that generalises on Fashion-MNIST",
    dataset="fashion_mnist", settings_key="regularization", split_from="regularization",
    model_file="regularized_model.keras",
    threshold_from=("reg_l2", "val_accuracy"), margin=0.03,
    gap_from=(("reg_baseline", "calibrated_loss_gap"), ("reg_l2", "calibrated_loss_gap")),
    architecture={"input_shape": [28, 28], "hidden": [(300, "relu")] * 2, "batch_norm": 0,
                  "allowed": ["Flatten", "Dense", "Dropout"], "kernel_regularizer": "L2",
                  "dropout": 1, "loss": "sparse_categorical_crossentropy"},
    trains_above=0.5,
)
