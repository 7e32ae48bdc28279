"""The deep CIFAR-10 assignment: exercise 8(c) of Hands-On ML ch. 11, 20 hidden
Dense(100) layers with ELU and He initialisation, each batch-normalised, trained with
Nadam. The grading run trains on the quick slices (about a minute). This file is the
instructor's: nbgrader's release leaves it out.
"""
from grader.models.assignment import ModelAssignment

ASSIGNMENT = ModelAssignment(
    name="deep_cifar10",
    title="a batch-normalised deep network on CIFAR-10",
    dataset="cifar10", settings_key="cifar10_deep", model_file="cifar10_model.keras",
    threshold_from=("cifar10_c_batchnorm", "val_accuracy"), margin=0.05,
    architecture={"input_shape": [32, 32, 3], "hidden": [(100, "elu")] * 20, "batch_norm": 20,
                  "kernel_initializer": "HeNormal",
                  "allowed": ["Flatten", "Dense", "BatchNormalization", "Activation"],
                  "optimizer": "Nadam", "learning_rate": 5e-4},
    trains_above=0.15,
)
