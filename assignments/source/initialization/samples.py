"""The sample submissions of the "initialization" assignment, with the points and
reasons each must get (grader/authoring/samples.py); the tests grade them with the grader and
nbgrader."""
from grader.authoring.samples import Sample, prepended

SAMPLES = {
    "correct": Sample(cell_errors={}),
    # Glorot's rule in the chapter's equal-width form sqrt(1/fan_in): right whenever
    # fan_in == fan_out (the chapter's setting, every visible activation_stds call), wrong
    # elsewhere; He right, so the network trains.
    "partial": Sample(
        answers={"answer_glorot_std":
                 "def glorot_std(fan_in, fan_out):\n    return float(np.sqrt(1.0 / fan_in))"},
        failing={"test_glorot_std": "glorot_std(784, 100) returned 0.0357",
                 "test_glorot_normal": "glorot_normal(784, 100, 0): the weights' standard deviation",
                 "test_activation_stds": "hidden tests: activation_stds is wrong at further widths"}),
    # Every standard deviation 1: N(0, 1) weights, whatever the layer; a stack that
    # multiplies nothing.
    "wrong": Sample(
        answers={
            "answer_glorot_std": "def glorot_std(fan_in, fan_out):\n    return 1.0",
            "answer_he_std": "def he_std(fan_in):\n    return 1.0",
            "answer_glorot_normal": "def glorot_normal(fan_in, fan_out, seed):\n"
                                    "    return np.random.default_rng(seed).standard_normal((fan_in, fan_out))",
            "answer_he_normal": "def he_normal(fan_in, fan_out, seed):\n"
                                "    return np.random.default_rng(seed).standard_normal((fan_in, fan_out))",
            "answer_activation_stds": "def activation_stds(init, activation, widths, n=1000, seed=0):\n"
                                      "    return [1.0] * (len(widths) - 1)",
        },
        failing={"test_glorot_std": "glorot_std(100, 100) returned 1.0",
                 "test_he_std": "he_std(100) returned 1.0",
                 "test_glorot_normal": "the weights' standard deviation is",
                 "test_he_normal": "the weights' standard deviation is",
                 "test_activation_stds": "layer 1's standard deviation is 1",
                 "test_he_trains": "he_normal(784, 100, 11): the weights' standard deviation"}),
    # An unfinished he_normal, and a cell that raises before its function is defined.
    "crashing": Sample(
        answers={
            "answer_he_normal": "def he_normal(fan_in, fan_out, seed):\n"
                                "    raise ValueError('not finished')",
            "answer_activation_stds": prepended("raise RuntimeError('half-written cell')\n\n"),
        },
        failing={"test_he_normal": "ValueError: not finished",
                 "test_activation_stds": "your notebook defines no 'activation_stds'",
                 "test_he_trains": "ValueError: not finished"},
        cell_errors={"answer_activation_stds": "RuntimeError: half-written cell"}),
}
