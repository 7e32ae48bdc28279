"""The checks of the model assignments (learning_rate, optimizers, deep_cifar10).

Their target is a saved ``.keras`` file, never a live object of the student's. The probe
(:mod:`grader.model_probes`) opens it with Keras's safe mode (no pickled Python code, no
custom classes), describes the network and how it was compiled, and predicts the classes
of a set of images; :func:`verify` compares that plain data with the assignment's spec,
the labels and the threshold (the assignment's spec, ``grader.thresholds``). In the grader the
probe runs in a sandbox of its own that never executed the student's code and holds the
images but not their labels.

Checks, each with a visible part (what the released notebook runs) and a hidden part:

- ``<assignment>:architecture``: the network asked for, compiled as asked (visible); it
  gives a probability distribution over the 10 classes with finite weights (hidden).
- ``<assignment>:accuracy``: the network asked for, above the threshold on the
  notebook's validation images (visible) and on held-out test images (hidden).
- ``<assignment>:trains``: the notebook, run again in grading mode (quick slices),
  saved the network asked for (visible), which beats ``trains_above`` (hidden).
"""
from __future__ import annotations

import functools

from grader import config, model_probes
from grader.assignment import PARTS, FileTest, find_check, model_assignment

# The hidden architecture check looks at the outputs for this many held-out images.
ARCHITECTURE_IMAGES = 100


def check(name: str, path, part: str = "visible") -> None:
    """Run check ``name`` (e.g. ``"learning_rate:accuracy"``) on the model saved at
    ``path``; raise ``AssertionError`` if it fails. What the notebook's test cells call."""
    found = find_check(name)
    params = found.params(part)
    x = images(found.assignment, params["images"], params.get("limit")) \
        if params["images"] else None
    data = model_probes.probe(path, params["want"], x)
    found.verify(part, data)
    print(f"{name}: {part} tests passed")


class ModelCheck:
    """One of a model assignment's three checks (``kind``: architecture, accuracy or
    trains) of a saved model; named ``<assignment>:<kind>`` in the notebook."""

    def __init__(self, assignment: str, kind: str):
        self.assignment, self.kind = assignment, kind
        self.name = f"{assignment}:{kind}"

    @property
    def spec(self):
        return model_assignment(self.assignment)

    def params(self, part: str) -> dict:
        """What :func:`grader.model_probes.run` needs: what to report and on which images
        (the file is the target). Plain data, no label."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}")
        hidden = part == "hidden"
        params = {"want": {"setup": not hidden, "weights": self.kind == "architecture" and hidden,
                           "max_unpacked": 4 * self.spec.limits.model_bytes},
                  "images": None, "timeout": config.MODEL_CHECK_TIMEOUT_S,
                  "what": f"{self.name} ({part} tests)"}
        if self.kind == "architecture" and hidden:
            params.update(images="heldout", limit=ARCHITECTURE_IMAGES)
        elif self.kind == "accuracy" or hidden:
            params["images"] = "heldout" if hidden else "validation"
        return params

    def verify(self, part: str, data: dict) -> None:
        verify(self, part, data)


def model_tests(spec) -> dict[str, FileTest]:
    """The tests every model assignment has: its saved model is the network asked for,
    it reaches the threshold, and the notebook, run again for grading, trains it."""
    def test(kind, file, what):
        return FileTest(ModelCheck(spec.name, kind), file, what)
    return {
        "test_architecture": test("architecture", spec.model_file,
                                  f"the model you saved in `{spec.model_file}` is the network "
                                  "asked for, compiled as asked"),
        "test_accuracy": test("accuracy", spec.model_file,
                              "its accuracy reaches the threshold, on your validation images "
                              "and, when graded, on held-out test images your notebook never "
                              "loads"),
        "test_trains": test("trains", spec.grading_file,
                            "your notebook, run again for grading on a small slice of the "
                            "data, trains and saves that network, with accuracy above "
                            f"{spec.trains_above}"),
    }


def image_set(assignment: str, name: str):
    """One of the checks' image sets of ``assignment`` with its labels, ``(x, y)``:
    ``validation`` (the notebook's own) or ``heldout`` (test images it never loads)."""
    from grader import data

    if name == "validation":
        return data.training_data(assignment, graded_sizes=False)[1]
    return data.heldout_data(assignment)


@functools.lru_cache(maxsize=None)
def _set(assignment: str, name: str):
    return image_set(assignment, name)


def images(assignment: str, name: str, limit: int | None = None):
    x = _set(assignment, name)[0]
    return x[:limit] if limit else x


def labels(assignment: str, name: str):
    return _set(assignment, name)[1]


# --- the grader's side -----------------------------------------------------------------

def network_problems(network: dict, spec: dict) -> list[str]:
    """Why ``network`` (from :func:`grader.model_probes.describe`) is not the one
    ``spec`` asks for."""
    problems = []
    if network["input_shape"] != list(spec["input_shape"]):
        problems.append(f"input shape {tuple(network['input_shape'])}, "
                        f"not {tuple(spec['input_shape'])}")
    layers = [l for l in network["layers"] if l["class"] != "InputLayer"]
    others = sorted({l["class"] for l in layers} - set(spec["allowed"]))
    if others:
        problems.append(f"layers of a kind not asked for: {', '.join(others)}")
    dense = []
    for i, layer in enumerate(layers):
        if layer["class"] != "Dense":
            continue
        activation = layer.get("activation", "linear")
        for after in layers[i + 1:]:  # Dense -> [BatchNormalization] -> Activation
            if activation != "linear" or after["class"] == "Dense":
                break
            if after["class"] == "Activation":
                activation = after.get("activation", "linear")
        dense.append((layer.get("units"), activation))
    want = [tuple(h) for h in spec["hidden"]] + [(10, "softmax")]
    if dense != want:
        problems.append(_dense_text(dense, want))
    norms = sum(l["class"] == "BatchNormalization" for l in layers)
    if norms < spec["batch_norm"]:
        problems.append(f"{norms} batch-normalisation layers, not at least {spec['batch_norm']}")
    initializer = spec.get("kernel_initializer")
    if initializer:
        hidden = [l for l in layers if l["class"] == "Dense"][:-1]
        wrong = [l.get("kernel_initializer") for l in hidden if l.get("kernel_initializer") != initializer]
        if wrong:
            problems.append(f"{len(wrong)} hidden Dense layers with kernel_initializer "
                            f"{wrong[0]}, not {initializer}")
    return problems


def setup_problems(setup: dict, spec: dict) -> list[str]:
    """Why the compile settings (from :func:`grader.model_probes.training_setup`) are not
    the ones ``spec`` asks for."""
    problems = []
    if spec.get("optimizer") and setup["optimizer"] != spec["optimizer"]:
        problems.append(f"compiled with the optimizer {setup['optimizer'] or 'none'}, "
                        f"not {spec['optimizer']}")
    rate = spec.get("learning_rate")
    if rate and (setup["learning_rate"] is None or abs(setup["learning_rate"] - rate) > 1e-6 * rate + 1e-9):
        problems.append(f"learning rate {setup['learning_rate']}, not {rate}")
    if spec.get("loss") and setup["loss"] != spec["loss"]:
        problems.append(f"compiled with the loss {setup['loss'] or 'none'}, not {spec['loss']}")
    return problems


def _dense_text(got, want) -> str:
    def text(stack):
        if len(stack) > 4 and len(set(stack[:-1])) == 1:
            return f"{len(stack) - 1} x Dense{stack[0]} then Dense{stack[-1]}"
        return " -> ".join(f"Dense{u, a}" for u, a in stack)
    return f"Dense layers (units, activation) {text(got) or 'none'}; asked for {text(want)}"


def verify(check: ModelCheck, part: str, data: dict) -> None:
    """Raise ``AssertionError`` with a reason unless ``data`` from the probe passes."""
    from grader.thresholds import threshold

    assignment, kind, spec = check.assignment, check.kind, check.spec
    if "error" in data:
        raise AssertionError(data["error"])
    problems = network_problems(data["network"], spec.architecture)
    if "setup" in data:
        problems += setup_problems(data["setup"], spec.architecture)
    if problems:
        what = "the model your notebook saved when run for grading" if kind == "trains" \
            else "the saved model"
        raise AssertionError(f"{what} is not the network asked for: " + "; ".join(problems))
    if part == "visible" and kind in ("architecture", "trains"):
        return
    if data["output_shape"] != [10] or not data["distribution"]:
        raise AssertionError("the model's outputs are not a probability distribution over "
                             "the 10 classes (a softmax output layer)")
    if kind == "architecture":
        if not data["finite_weights"]:
            raise AssertionError("the saved model has weights that are NaN or infinite")
        return
    y = labels(assignment, check.params(part)["images"])
    predicted = data["predicted"]
    if len(predicted) != len(y):
        raise AssertionError(f"the saved model gave {len(predicted)} predictions for {len(y)} images")
    accuracy = sum(int(p) == int(t) for p, t in zip(predicted, y)) / len(y)
    images_text = "your validation images" if part == "visible" else "the held-out test images"
    if kind == "trains":
        bar = spec.trains_above
        if not accuracy > bar:
            raise AssertionError(
                f"run again for grading (on a small slice), your notebook trained a model "
                f"with accuracy {accuracy:.4f} on {images_text}, not above {bar}: does "
                f"your code train and save the model with model.save(MODEL_PATH)?")
        return
    bar = threshold(assignment)
    if not accuracy >= bar:
        raise AssertionError(f"accuracy {accuracy:.4f} on {images_text} "
                             f"({len(y)} images), below the threshold {bar:.2f}")
