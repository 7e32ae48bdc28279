"""The sample submissions of the deep CIFAR-10 assignment, with the points and reasons
each must get (grader/samples.py). Each is trained by a real kernel in the tests."""
from grader.samples import Sample, prepended, replaced

SAMPLES = {
    "correct": Sample(cell_errors={}),
    # The network asked for, saved without training ("forgot to fit").
    "partial": Sample(
        answers={"answer_training": replaced({"history = model.fit(": "history = None and model.fit("})},
        failing={"test_accuracy": "below the threshold", "test_trains": "not above"}),
    # The network of part (a), without batch normalisation, trained.
    "wrong": Sample(
        answers={"answer_training": replaced({
            "               keras.layers.BatchNormalization(),\n": "",
            "keras.layers.Flatten(), keras.layers.BatchNormalization()]": "keras.layers.Flatten()]"})},
        failing={"test_architecture": "is not the network asked for",
                 "test_accuracy": "is not the network asked for",
                 "test_trains": "is not the network asked for"}),
    # The model file of a good earlier run, but the notebook's code now raises.
    "crashing": Sample(
        answers={"answer_training": prepended("raise RuntimeError('half-written cell')\n")},
        failing={"test_trains": "no saved model"}, model_from="correct",
        cell_errors={"answer_training": "RuntimeError: half-written cell"}),
}
