"""The checks of the model assignments (learning_rate, optimizers, deep_cifar10,
regularization).

Their target is a saved ``.keras`` file, never a live object of the student's. The probe
(:mod:`grader.inside.model_probes`) opens it with Keras's safe mode (no pickled Python code, no
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
  saved the network asked for (visible), trained by that run (hidden): its weights are
  not the submitted file's (the probe compares digests of the two files' weight arrays),
  and it beats ``trains_above`` on the grading run's names of the classes
  (``grader.data.GRADING_CLASSES``: that run's training labels are renamed, so a network
  trained before it, copied, re-saved or edited, predicts the old names).
- ``<assignment>:gap`` (only where the spec has ``gap_from``): the network asked for,
  trained (accuracy above ``trains_above``), whose cross-entropy on the notebook's
  validation images (visible) and on held-out test images (hidden) exceeds that on its
  own training images by at most ``grader.thresholds.max_gap``, once its outputs are
  recalibrated on the former (a temperature and an offset per class that minimise their
  cross-entropy: :mod:`dlcourse.calibration`), so that rescaling or shifting the output
  layer after training changes nothing. The probe returns each image's
  log-probabilities, never a loss: the grader picks each image's term with the labels it
  keeps and computes both losses itself.
"""
from __future__ import annotations

from grader import config
from grader.assignments.spec import PARTS, FileTest
from grader.checks.base import Check
from grader.checks.base import check  # noqa: F401 - what the notebook's test cells import
from grader.inside import model_probes
from grader.models import data as model_data
from grader.models import thresholds

# The hidden architecture check looks at the outputs for this many held-out images.
ARCHITECTURE_IMAGES = 100
# The gap check's losses are computed on at most this many images of each set (the
# probe returns 10 log-probabilities per image: a bounded answer).
GAP_IMAGES = 2000


class ModelCheck(Check):
    """One of a model assignment's checks (``kind``: architecture, accuracy, trains or
    gap) of a saved model; named ``<assignment>:<kind>`` in the notebook."""

    def __init__(self, assignment, kind: str):
        self.assignment, self.kind = assignment, kind
        self.name = f"{assignment.name}:{kind}"

    @property
    def spec(self):
        return self.assignment

    def params(self, part: str) -> dict:
        """What :func:`grader.inside.model_probes.run` needs: what to report and on which images
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
        elif self.kind == "gap":
            params["want"]["log_probabilities"] = True
            params.update(images="heldout" if hidden else "validation", limit=GAP_IMAGES,
                          training={"images": "training", "limit": GAP_IMAGES})
        elif self.kind == "accuracy" or hidden:
            params["images"] = "heldout" if hidden else "validation"
        if self.kind == "trains" and hidden:  # the submitted file, to compare with
            params["want"]["reference"] = self.spec.model_file
        return params

    def verify(self, part: str, data: dict) -> str | None:
        return verify(self, part, data)

    def in_notebook(self, path, part: str) -> str | None:
        """Probe the model saved at ``path`` in the notebook's process, then verify."""
        params = self.params(part)
        # Run by its student, the notebook saves to the submitted file itself: no grading
        # run to compare with it, and no renamed classes.
        grading_run = self.kind != "trains" or model_data.grading()
        if not grading_run:
            params["want"].pop("reference", None)
        x = images(self.assignment, params["images"], params.get("limit")) \
            if params["images"] else None
        also = params.get("training")
        x_training = images(self.assignment, also["images"], also.get("limit")) if also else None
        data = model_probes.probe(path, params["want"], x, x_training)
        return verify(self, part, data, grading_run=grading_run)


def model_tests(spec) -> dict[str, FileTest]:
    """The tests every model assignment has: its saved model is the network asked for,
    it reaches the threshold, and the notebook, run again for grading, trains it; with
    ``gap_from``, a fourth: its generalisation gap is within the bound."""
    def test(kind, file, what):
        return FileTest(ModelCheck(spec, kind), file, what)
    tests = {
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
    if spec.gap_from:
        gap = test("gap", spec.model_file,
                   "its cross-entropy on your validation images and, when graded, on "
                   "held-out test images exceeds its cross-entropy on its training images "
                   "by at most the bound (and it is trained: accuracy above "
                   f"{spec.trains_above})")
        tests = {**{k: v for k, v in tests.items() if k != "test_trains"}, "test_gap": gap,
                 "test_trains": tests["test_trains"]}
    return tests


_SETS: dict[tuple[str, str], tuple] = {}


def _set(assignment, name: str):
    key = (assignment.name, name)  # (a spec is unhashable: its fields hold dicts)
    if key not in _SETS:
        _SETS[key] = model_data.image_set(assignment, name)
    return _SETS[key]


def images(assignment, name: str, limit: int | None = None):
    x = _set(assignment, name)[0]
    return x[:limit] if limit else x


def labels(assignment, name: str):
    return _set(assignment, name)[1]


# --- the grader's side -----------------------------------------------------------------

def network_problems(network: dict, spec: dict) -> list[str]:
    """Why ``network`` (from :func:`grader.inside.model_probes.describe`) is not the one
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
    regularizer = spec.get("kernel_regularizer")
    if regularizer:  # each hidden Dense layer: this class, with a factor above 0
        hidden = [l for l in layers if l["class"] == "Dense"][:-1]
        wrong = [l for l in hidden if l.get("kernel_regularizer") != regularizer
                 or not any(v > 0 for v in l.get("kernel_regularizer_config", {}).values())]
        if wrong:
            found = wrong[0].get("kernel_regularizer")
            factors = wrong[0].get("kernel_regularizer_config", {})
            problems.append(f"{len(wrong)} hidden Dense layers without a kernel_regularizer "
                            f"{regularizer} of a factor above 0 (found: "
                            f"{found + str(factors) if found else 'none'})")
    dropout = spec.get("dropout", 0)
    rates = [l.get("rate", 0) for l in layers if l["class"] == "Dropout"]
    if sum(r > 0 for r in rates) < dropout:
        problems.append(f"{sum(r > 0 for r in rates)} Dropout layers with a rate above 0, "
                        f"not at least {dropout}")
    return problems


def setup_problems(setup: dict, spec: dict) -> list[str]:
    """Why the compile settings (from :func:`grader.inside.model_probes.training_setup`) are not
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


def log_probabilities(outputs: dict, n: int):
    """The probe's per-image log-probabilities in ``outputs``, checked: ``n`` rows of 10
    finite values at most 0."""
    import numpy as np

    logs = outputs.get("log_probabilities")
    if isinstance(logs, list) and len(logs) == n:
        try:
            logs = np.asarray(logs, dtype="float64")
        except (TypeError, ValueError):
            logs = None
        if logs is not None and logs.shape == (n, 10) and np.all(np.isfinite(logs)) \
                and np.all(logs <= 1e-6):
            return logs
    raise AssertionError("the saved model's outputs are not a probability distribution "
                         "over the 10 classes for every image: no loss can be computed")


def cross_entropy(outputs: dict, y) -> float:
    """The mean cross-entropy of the probe's ``outputs`` (per-image log-probabilities)
    on labels ``y``, computed here, where the labels are."""
    import numpy as np

    logs = log_probabilities(outputs, len(y))
    return float(-logs[np.arange(len(y)), np.asarray(y, dtype=int)].mean())


def verify_gap(model_check: ModelCheck, data: dict, params: dict, y, accuracy: float,
               images_text: str) -> str:
    from dlcourse.calibration import calibrated_gap

    spec = model_check.spec
    training = data.get("training")
    y_training = labels(model_check.assignment, "training")[:params["training"]["limit"]]
    if not isinstance(training, dict) or not training.get("distribution") \
            or training.get("output_shape") != [10]:
        raise AssertionError("the saved model's outputs on its training images are not a "
                             "probability distribution over the 10 classes")
    if not accuracy > spec.trains_above:
        raise AssertionError(f"accuracy {accuracy:.4f} on {images_text}, not above "
                             f"{spec.trains_above}: an untrained network has no gap to speak "
                             "of; train it first")
    found = calibrated_gap(log_probabilities(training, len(y_training)), y_training,
                           log_probabilities(data, len(y)), y)
    gap, bound = found["gap"], thresholds.max_gap(model_check.assignment)
    if not gap <= bound:
        raise AssertionError(
            f"the generalisation gap is {gap:.3f}: once its outputs are recalibrated on "
            f"{images_text} (temperature {found['temperature']:.3g} and an offset per "
            f"class, fitted to them), its cross-entropy is {found['eval']:.3f} on them "
            f"({len(y)} images) against {found['train']:.3f} on its training images "
            f"({len(y_training)}), over the bound {bound:.2f}: regularise more, or keep the "
            "best epoch's model (early stopping, a checkpoint)")
    return f"gap {gap:.3f}, bound {bound:.2f}"


def unchanged_weights(data: dict) -> int:
    """How many weight arrays of the model the grading run saved (``data``) are those of
    the submitted file (``data["reference"]``), unchanged; 0 where either is unknown."""
    reference = data.get("reference")
    mine = data.get("fingerprints")
    theirs = reference.get("fingerprints") if isinstance(reference, dict) else None
    if not isinstance(mine, list) or not isinstance(theirs, list) or len(mine) != len(theirs):
        return 0
    return sum(isinstance(a, dict) and a == b and len(a.get("shape", [])) >= 2
               for a, b in zip(mine, theirs))


def verify_trains(model_check: ModelCheck, data: dict, y, accuracy: float, images_text: str,
                  grading_run: bool) -> None:
    """The model the grading run saved: not the submitted one, and trained by that run
    (above ``trains_above`` under the run's names of the classes)."""
    bar = model_check.spec.trains_above
    if not grading_run:
        renamed_accuracy = accuracy
    else:
        renamed = model_data.grading_labels(y)
        renamed_accuracy = sum(int(p) == int(t) for p, t in zip(data["predicted"], renamed)) / len(y)
    same = unchanged_weights(data) if grading_run else 0
    # (An untrained network the same seed made twice is unchanged too: "not above" says more.)
    if same and max(accuracy, renamed_accuracy) > bar:
        raise AssertionError(
            f"run again for grading, your notebook saved a model with {same} weight "
            "matrices of the model you submitted, unchanged: it did not train the model it "
            "saved (does your code load or copy a saved model instead of training one?)")
    if renamed_accuracy > bar:
        return
    if grading_run and accuracy > bar:
        raise AssertionError(
            "run again for grading, your notebook saved a model that was not trained by "
            "that run: the grading run renames the classes of its training images, and "
            f"the model predicts the classes by their usual names (accuracy {accuracy:.4f} "
            f"on {images_text}) instead of the new ones ({renamed_accuracy:.4f}): was it "
            "loaded, copied or edited from a model trained before?")
    raise AssertionError(
        f"run again for grading (on a small slice), your notebook trained a model "
        f"with accuracy {renamed_accuracy:.4f} on {images_text}, not above {bar}: does "
        f"your code train and save the model with model.save(MODEL_PATH)?")


def verify(model_check: ModelCheck, part: str, data: dict, *,
           grading_run: bool = True) -> str | None:
    """Raise ``AssertionError`` with a reason unless ``data`` from the probe passes;
    return a note on a passing gap. ``grading_run``: the model the trains check sees was
    saved by a grading run (the grader's always is; a notebook's own run is not)."""
    assignment, kind, spec = model_check.assignment, model_check.kind, model_check.spec
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
        return None
    if data["output_shape"] != [10] or not data["distribution"]:
        raise AssertionError("the model's outputs are not a probability distribution over "
                             "the 10 classes (a softmax output layer)")
    if kind == "architecture":
        if not data["finite_weights"]:
            raise AssertionError("the saved model has weights that are NaN or infinite")
        return None
    params = model_check.params(part)
    y = labels(assignment, params["images"])[:params.get("limit")]
    predicted = data["predicted"]
    if len(predicted) != len(y):
        raise AssertionError(f"the saved model gave {len(predicted)} predictions for {len(y)} images")
    accuracy = sum(int(p) == int(t) for p, t in zip(predicted, y)) / len(y)
    images_text = "your validation images" if part == "visible" else "the held-out test images"
    if kind == "gap":
        return verify_gap(model_check, data, params, y, accuracy, images_text)
    if kind == "trains":
        verify_trains(model_check, data, y, accuracy, images_text, grading_run)
        return None
    bar = thresholds.threshold(assignment)
    if not accuracy >= bar:
        raise AssertionError(f"accuracy {accuracy:.4f} on {images_text} "
                             f"({len(y)} images), below the threshold {bar:.2f}")
