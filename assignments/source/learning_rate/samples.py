"""The sample submissions of the learning-rate assignment, with the points and reasons
each must get (grader/samples.py). Each is trained by a real kernel in the tests."""
from grader.samples import Sample, prepended, replaced

SAMPLES = {
    "correct": Sample(cell_errors={}),
    # The network asked for, but a rate far too small for one epoch: it barely trains.
    "partial": Sample(
        answers={"answer_training": replaced({"LEARNING_RATE = 1e-3": "LEARNING_RATE = 1e-7",
                                              "EPOCHS = 10": "EPOCHS = 1"})},
        failing={"test_accuracy": "below the threshold", "test_trains": "not above"}),
    # Another network (two hidden layers), trained well.
    "wrong": Sample(
        answers={"answer_training": replaced({
            'keras.layers.Dense(100, activation="relu"),':
            'keras.layers.Dense(300, activation="relu"), keras.layers.Dense(100, activation="relu"),'})},
        failing={"test_architecture": "is not the network asked for",
                 "test_accuracy": "is not the network asked for",
                 "test_trains": "is not the network asked for"}),
    # The model file of a good earlier run, but the notebook's code now raises.
    "crashing": Sample(
        answers={"answer_training": prepended("raise RuntimeError('half-written cell')\n")},
        failing={"test_trains": "no saved model"}, model_from="correct",
        cell_errors={"answer_training": "RuntimeError: half-written cell"}),
}
