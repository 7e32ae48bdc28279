"""The learning-rate assignment: RMSprop on MNIST, with a rate the student chooses.

The network is fixed (chapter 1's); the student chooses the rate and the epochs. This
file is the instructor's: nbgrader's release leaves it out.
"""
from grader.models.assignment import ModelAssignment

ASSIGNMENT = ModelAssignment(
    name="learning_rate",
    title="a learning rate for RMSprop on MNIST",
    dataset="mnist", settings_key="mnist_lr", model_file="mnist_model.keras",
    threshold_from=("mnist_rmsprop_lr_0.001", "test_accuracy"), margin=0.02,
    architecture={"input_shape": [784], "hidden": [(100, "relu")], "batch_norm": 0,
                  "allowed": ["Dense"], "optimizer": "RMSprop"},
    trains_above=0.5,
)
