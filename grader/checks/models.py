"""The checks of the model assignments (learning_rate, optimizers, deep_cifar10).

Their target is a saved ``.keras`` file, never a live object of the student's: the probe
loads it with Keras's safe mode (no pickled Python code, no custom classes), describes
the network and scores it on data it loads itself; :func:`verify` compares the plain
data with the assignment's spec and threshold (``grader.config``, ``grader.thresholds``).
In the grader the probe runs in a fresh process that never executed the student's code.

Checks, each with a visible part (what the released notebook runs) and a hidden part:

- ``<assignment>:architecture``: the network asked for (visible); it gives a probability
  distribution over the 10 classes with finite weights (hidden).
- ``<assignment>:accuracy``: the network asked for, above the threshold on the
  notebook's validation images (visible) and on held-out test images (hidden).
- ``<assignment>:trains``: the notebook, run again in grading mode (quick slices),
  saved the network asked for (visible), which beats ``trains_above`` (hidden).
"""
from __future__ import annotations

from pathlib import Path

from grader import config
from grader.limits import time_limit

PARTS = ("visible", "hidden")
KINDS = ("architecture", "accuracy", "trains")


def _split(name: str) -> tuple[str, str, dict]:
    assignment, _, kind = name.partition(":")
    if assignment not in config.MODEL_ASSIGNMENTS or kind not in KINDS:
        raise KeyError(f"no check named {name!r}")
    return assignment, kind, config.MODEL_ASSIGNMENTS[assignment]


def check(name: str, path, part: str = "visible") -> None:
    """Run check ``name`` (e.g. ``"learning_rate:accuracy"``) on the model saved at
    ``path``; raise ``AssertionError`` if it fails. What the notebook's test cells call."""
    data = probe(name, path, part)
    verify(name, part, data)
    print(f"{name}: {part} tests passed")


# --- the probe: load the saved file, describe it, score it -----------------------------

def probe_params(name: str, part: str) -> dict:
    """What :func:`run` needs: the check and its part (the file is the target)."""
    _split(name)
    return {"check": name, "part": part}


def run(params: dict, path) -> dict:
    """The probe as :mod:`grader.runner` calls it, in a process of the grader's own."""
    return probe(params["check"], path, params["part"])


def describe(model) -> dict:
    """The network as plain data: input shape, and per layer its class, units and
    activation (where it has them)."""
    layers = []
    for layer in model.layers:
        cfg = layer.get_config()
        entry = {"class": type(layer).__name__}
        if "units" in cfg:
            entry["units"] = int(cfg["units"])
        if isinstance(cfg.get("activation"), str):
            entry["activation"] = cfg["activation"]
        layers.append(entry)
    return {"input_shape": [int(d) for d in model.inputs[0].shape[1:]], "layers": layers}


def _load(path):
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model {path.name}: save it with model.save(MODEL_PATH)")
    # safe_mode refuses Lambda layers' pickled code; unknown classes fail to load.
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def _scores(model, x, y) -> dict:
    import numpy as np

    p = np.asarray(model.predict(x, batch_size=1000, verbose=0), dtype="float64")
    return {"accuracy": float((p.argmax(axis=-1) == y).mean()), "n": int(len(y)),
            "output_shape": list(p.shape[1:]),
            "distribution": bool(np.all(p >= -1e-6) and np.allclose(p.sum(axis=-1), 1, atol=1e-3))}


def probe(name: str, path, part: str) -> dict:
    """Load the model saved at ``path`` and return plain data for :func:`verify`."""
    import numpy as np

    from grader import data

    assignment, kind, _ = _split(name)
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    with time_limit(config.MODEL_CHECK_TIMEOUT_S, f"{name} ({part} tests)"):
        try:
            model = _load(path)
        except Exception as exc:  # noqa: BLE001 - a bad file is the student's error
            return {"error": f"the saved model could not be loaded: {type(exc).__name__}: {exc}"}
        result = {"network": describe(model)}
        if part == "visible" and kind in ("architecture", "trains"):
            return result
        if kind == "accuracy" and part == "visible":
            _, (x, y) = data.training_data(assignment, graded_sizes=False)
        else:
            x, y = data.heldout_data(assignment)
        if kind == "architecture":
            x, y = x[:100], y[:100]
            result["finite_weights"] = bool(all(np.isfinite(w).all() for w in model.get_weights()))
        try:
            result.update(_scores(model, x, y))
        except Exception as exc:  # noqa: BLE001
            return {**result, "error": f"the saved model failed on the images: {type(exc).__name__}: {exc}"}
        return result


# --- the grader's side ---------------------------------------------------------------

def network_problems(network: dict, spec: dict) -> list[str]:
    """Why ``network`` (from :func:`describe`) is not the one ``spec`` asks for."""
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
    return problems


def _dense_text(got, want) -> str:
    def text(stack):
        if len(stack) > 4 and len(set(stack[:-1])) == 1:
            return f"{len(stack) - 1} x Dense{stack[0]} then Dense{stack[-1]}"
        return " -> ".join(f"Dense{u, a}" for u, a in stack)
    return f"Dense layers (units, activation) {text(got) or 'none'}; asked for {text(want)}"


def verify(name: str, part: str, data: dict) -> None:
    """Raise ``AssertionError`` with a reason unless ``data`` from :func:`probe` passes."""
    from grader.thresholds import threshold

    assignment, kind, spec = _split(name)
    if "error" in data:
        raise AssertionError(data["error"])
    problems = network_problems(data["network"], spec["architecture"])
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
    images = ("your validation images" if part == "visible" else "the held-out test images")
    if kind == "trains":
        bar = spec["trains_above"]
        if not data["accuracy"] > bar:
            raise AssertionError(
                f"run again for grading (on a small slice), your notebook trained a model "
                f"with accuracy {data['accuracy']:.4f} on {images}, not above {bar}: does "
                f"your code train and save the model with model.save(MODEL_PATH)?")
        return
    bar = threshold(assignment)
    if not data["accuracy"] >= bar:
        raise AssertionError(f"accuracy {data['accuracy']:.4f} on {images} "
                             f"({data['n']} images), below the threshold {bar:.2f}")
