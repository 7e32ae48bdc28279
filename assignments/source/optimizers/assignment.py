"""The optimizers assignment: chapter 2's Fashion-MNIST network, with an optimizer of
the student's choice. This file is the instructor's: nbgrader's release leaves it out.
"""
from grader.models.assignment import ModelAssignment

ASSIGNMENT = ModelAssignment(
    name="optimizers",
    title="an optimizer for Fashion-MNIST",
    dataset="fashion_mnist", settings_key="fashion_optimizers", model_file="fashion_model.keras",
    threshold_from=("fashion_adam", "val_accuracy"), margin=0.03,
    architecture={"input_shape": [28, 28], "hidden": [(100, "relu")], "batch_norm": 0,
                  "allowed": ["Flatten", "Dense"], "loss": "sparse_categorical_crossentropy"},
    trains_above=0.5,
)
