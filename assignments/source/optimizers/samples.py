"""The sample submissions of the optimizers assignment, with the points and reasons
each must get (grader/samples.py). Each is trained by a real kernel in the tests."""
from grader.samples import Sample, prepended, replaced

SAMPLES = {
    "correct": Sample(cell_errors={}),
    # The network asked for, with plain SGD at a rate far too small for one epoch.
    "partial": Sample(
        answers={"answer_training": replaced({
            "optimizer = keras.optimizers.Adam()": "optimizer = keras.optimizers.SGD(learning_rate=1e-6)",
            "EPOCHS = 5": "EPOCHS = 1"})},
        failing={"test_accuracy": "below the threshold", "test_trains": "not above"}),
    # Another network (a wider hidden layer), trained well.
    "wrong": Sample(
        answers={"answer_training": replaced({'keras.layers.Dense(100, activation="relu"),':
                                              'keras.layers.Dense(200, activation="relu"),'})},
        failing={"test_architecture": "is not the network asked for",
                 "test_accuracy": "is not the network asked for",
                 "test_trains": "is not the network asked for"}),
    # The model file of a good earlier run, but the notebook's code now raises.
    "crashing": Sample(
        answers={"answer_training": prepended("raise RuntimeError('half-written cell')\n")},
        failing={"test_trains": "no saved model"}, model_from="correct",
        cell_errors={"answer_training": "RuntimeError: half-written cell"}),
}
