"""The sample submissions of the "schedules" assignment, with the points and reasons
each must get (grader/authoring/samples.py); the tests grade them with the grader and nbgrader."""
from grader.authoring.samples import Sample

ONE_CYCLE_IGNORING_OPTIONS = '''
class OneCycleScheduler(keras.callbacks.Callback):
    def __init__(self, iterations, max_rate, start_rate=None, last_iterations=None,
                 last_rate=None):
        super().__init__()
        self.iterations, self.max_rate = iterations, max_rate
        self.start_rate = max_rate / 10          # ignores start_rate, last_iterations, last_rate
        self.last_iterations = iterations // 10 + 1
        self.last_rate = self.start_rate / 1000
        self.half = (iterations - self.last_iterations) // 2
        self.iteration = 0

    def on_train_batch_begin(self, batch, logs=None):
        i, h = min(self.iteration, self.iterations), self.half
        if i < h:
            rate = self.start_rate + (self.max_rate - self.start_rate) * i / h
        elif i < 2 * h:
            rate = self.max_rate + (self.start_rate - self.max_rate) * (i - h) / h
        else:
            rate = self.start_rate + (self.last_rate - self.start_rate) * (i - 2 * h) / (self.iterations - 2 * h)
        self.iteration += 1
        self.model.optimizer.learning_rate.assign(rate)
'''

ONE_CYCLE_PER_EPOCH = '''
class OneCycleScheduler(keras.callbacks.Callback):
    def __init__(self, iterations, max_rate, start_rate=None, last_iterations=None,
                 last_rate=None):
        super().__init__()
        self.max_rate = max_rate

    def on_epoch_begin(self, epoch, logs=None):   # steps once an epoch, not every batch
        self.model.optimizer.learning_rate.assign(self.max_rate / (epoch + 1))
'''

SAMPLES = {
    "correct": Sample(cell_errors={}),
    "partial": Sample(
        answers={
            "answer_exponential_decay_fn":  # right at the visible epochs 0, 20, 40 only
                "def exponential_decay_fn(epoch):\n    return 0.01 * 0.1 ** (epoch // 20)",
            "answer_cosine_decay_restarts":  # no restarts
                "def cosine_decay_restarts(step):\n"
                "    return 0.005 * (1 + math.cos(math.pi * min(step, 1000) / 1000))",
            "answer_one_cycle": ONE_CYCLE_IGNORING_OPTIONS,
        },
        failing={"test_exponential_decay_fn": "hidden tests: exponential_decay_fn is wrong at "
                                              "further points the released tests do not show",
                 "test_cosine_decay_restarts": "cosine_decay_restarts(1000) returned",
                 "test_one_cycle_options": "OneCycleScheduler("}),
    "wrong": Sample(
        answers={
            "answer_scheduler_exp": "def scheduler_exp(epoch, lr):\n    return lr * math.exp(-1)",
            "answer_exponential_decay_fn":
                "def exponential_decay_fn(epoch):\n    return 0.01 * math.exp(-epoch / 20)",
            "answer_piecewise_constant_fn":
                "def piecewise_constant_fn(epoch):\n"
                "    return 0.01 if epoch <= 5 else 0.005 if epoch <= 15 else 0.001",
            "answer_cosine_decay_restarts": "def cosine_decay_restarts(step):\n    return 0.01",
            "answer_one_cycle": ONE_CYCLE_PER_EPOCH,
        },
        failing={"test_scheduler_exp": "returned", "test_exponential_decay_fn": "returned",
                 "test_piecewise_constant_fn": "returned", "test_cosine_decay_restarts": "returned",
                 "test_one_cycle_default": "only between epochs",
                 "test_one_cycle_options": "only between epochs"}),
    "crashing": Sample(
        answers={
            "answer_scheduler_exp":
                "def scheduler_exp(epoch, lr):\n    raise ValueError('not finished')",
            "answer_exponential_decay_fn":  # forgot the return
                "def exponential_decay_fn(epoch):\n    0.01 * 0.1 ** (epoch / 20)",
            "answer_piecewise_constant_fn":  # the cell itself raises: the function never exists
                "raise RuntimeError('half-written cell')\n\n"
                "def piecewise_constant_fn(epoch):\n    return 0.01",
        },
        failing={"test_scheduler_exp": "ValueError: not finished",
                 "test_exponential_decay_fn": "exponential_decay_fn(0) returned NoneType",
                 "test_piecewise_constant_fn": "your notebook defines no 'piecewise_constant_fn'"},
        cell_errors={"answer_piecewise_constant_fn": "RuntimeError: half-written cell"}),
    "looping": Sample(
        answers={
            "answer_cosine_decay_restarts":
                "def cosine_decay_restarts(step):\n    period = 1000\n"
                "    while step >= 0:  # never ends\n        step -= period * 0\n    return 0.01",
        },
        failing={"test_cosine_decay_restarts": "did not finish within"}),
}
