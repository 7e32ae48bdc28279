"""Open a saved ``.keras`` file the safe way and describe it as plain data: its layers,
how it was compiled, and what it predicts for a set of images. No label is here: the
grader compares the predictions with the labels in its own process.

It runs where the model assignments' file checks run: in the grader's sandbox (images
from ``/runtime/images/<set>.npy``, written by the grader) and, for the notebook's own
test cells, in the student's kernel (images handed in by :mod:`grader.checks.models`).
Standard library, NumPy and Keras only.
"""
from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

from grader.inside.call_timeout import time_limit

_HERE = Path(__file__).resolve().parents[2]  # /runtime in the sandbox
# A .keras archive holds three members; a few more leave room for Keras's future ones.
MAX_MEMBERS = 16


class ModelFileError(Exception):
    """The file is not a ``.keras`` archive the grader will open."""


def inspect_archive(path, max_unpacked: int) -> None:
    """Refuse anything but a plain ``.keras`` zip: members that are links, absolute or
    ``..`` names, too many members, or more than ``max_unpacked`` bytes once unpacked (a
    zip bomb). Reads only the archive's directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ModelFileError("it is not a .keras file (not a zip archive): save the model "
                             "with model.save(MODEL_PATH)") from None
    if len(members) > MAX_MEMBERS:
        raise ModelFileError(f"it holds {len(members)} members, not a saved model's few")
    total = 0
    for member in members:
        name = member.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise ModelFileError("it holds a member with an absolute or '..' name")
        mode = member.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ModelFileError("it holds a member that is a link")
        total += member.file_size
    if total > max_unpacked:
        raise ModelFileError(f"it unpacks to {total / 2**20:.0f} MiB, over the limit of "
                             f"{max_unpacked / 2**20:.0f} MiB")
    if "config.json" not in {m.filename for m in members}:
        raise ModelFileError("it has no config.json: save the model with model.save(MODEL_PATH)")


def load(path):
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model {path.name}: save it with model.save(MODEL_PATH)")
    # safe_mode refuses Lambda layers' pickled code; unknown classes fail to load.
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def _class(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("class_name")
    return None


def _factors(value) -> dict:
    """A serialised regulariser's numeric settings (``{"l2": 0.01}``)."""
    config = value.get("config") if isinstance(value, dict) else None
    if not isinstance(config, dict):
        return {}
    return {str(k): float(v) for k, v in config.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def describe(model) -> dict:
    """The network as plain data: input shape, and per layer its class, units,
    activation, kernel initializer, kernel regulariser (its class and numeric settings)
    and dropout rate (where it has them)."""
    layers = []
    for layer in model.layers:
        cfg = layer.get_config()
        entry = {"class": type(layer).__name__}
        if "units" in cfg:
            entry["units"] = int(cfg["units"])
        if isinstance(cfg.get("activation"), str):
            entry["activation"] = cfg["activation"]
        if _class(cfg.get("kernel_initializer")):
            entry["kernel_initializer"] = _class(cfg["kernel_initializer"])
        if _class(cfg.get("kernel_regularizer")):
            entry["kernel_regularizer"] = _class(cfg["kernel_regularizer"])
            entry["kernel_regularizer_config"] = _factors(cfg["kernel_regularizer"])
        if isinstance(cfg.get("rate"), (int, float)) and not isinstance(cfg["rate"], bool):
            entry["rate"] = float(cfg["rate"])
        layers.append(entry)
    return {"input_shape": [int(d) for d in model.inputs[0].shape[1:]], "layers": layers}


def training_setup(path) -> dict:
    """How the saved model was compiled, from the archive's ``config.json``: optimizer
    class and learning rate, and the loss's name (``None`` where it was not compiled)."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    compiled = config.get("compile_config") or {}
    optimizer = compiled.get("optimizer")
    rate = optimizer.get("config", {}).get("learning_rate") if isinstance(optimizer, dict) else None
    loss = compiled.get("loss")
    if isinstance(loss, dict):
        loss = loss.get("config", {}).get("name") or loss.get("class_name")
    return {"optimizer": _class(optimizer),
            "learning_rate": float(rate) if isinstance(rate, (int, float)) else None,
            "loss": loss if isinstance(loss, str) else None}


def outputs(model, x, log_probabilities: bool = False) -> dict:
    """What the model predicts for ``x``: the class of each image, the output shape and
    whether every output is a probability distribution; with ``log_probabilities``, each
    image's log-probabilities too, clipped as Keras's cross-entropy clips them
    (:data:`LOG_EPSILON`) and rounded (:data:`LOG_DIGITS`) - where the outputs are a
    distribution over classes. No label is here: the grader picks each image's term."""
    import numpy as np

    p = np.asarray(model.predict(x, batch_size=1000, verbose=0), dtype="float64")
    found = {"predicted": [int(c) for c in p.argmax(axis=-1)], "output_shape": list(p.shape[1:]),
             "distribution": bool(np.all(p >= -1e-6) and np.allclose(p.sum(axis=-1), 1, atol=1e-3))}
    if log_probabilities and found["distribution"] and p.ndim == 2:
        logs = np.log(np.clip(p, LOG_EPSILON, 1.0))
        found["log_probabilities"] = [[float(f"{v:.{LOG_DIGITS}g}") for v in row] for row in logs]
    return found


# Keras's cross-entropy clips probabilities to [1e-7, 1 - 1e-7]; a probe's
# log-probabilities keep 9 significant digits: all that a float32 output holds, so that
# outputs squeezed towards the uniform distribution (an output layer divided by 10^6)
# still tell the classes apart to the grader as they do to the network's argmax.
LOG_EPSILON = 1e-7
LOG_DIGITS = 9


def fingerprints(model) -> list[dict]:
    """Each weight array of ``model`` as its shape and a digest of its values: enough to
    tell whether two files hold the same array, and nothing of the values themselves."""
    import hashlib

    import numpy as np

    found = []
    for w in model.get_weights():
        w = np.ascontiguousarray(w)
        found.append({"shape": [int(d) for d in w.shape],
                      "digest": hashlib.sha256(w.tobytes()).hexdigest()[:32]})
    return found


def reference_fingerprints(path, want: dict) -> dict:
    """The fingerprints of the model in file ``want["reference"]`` beside ``path`` (the
    submitted model, to compare with the one the grading run saved), or why there are none."""
    other = Path(path).parent / want["reference"]
    try:
        if not other.is_file():
            return {"missing": True}
        inspect_archive(other, want["max_unpacked"])
        return {"fingerprints": fingerprints(load(other))}
    except Exception as exc:  # noqa: BLE001 - no comparison: the other checks say why
        return {"unreadable": type(exc).__name__}


# A reason quotes at most this much of Keras's message (which may hold the whole config).
MAX_ERROR_CHARS = 600


def load_error_text(exc: BaseException) -> str:
    """Keras's reason for refusing a file, short: the innermost of its nested
    "Exception encountered:" messages, bounded, and what safe mode means where a class
    or code was refused."""
    text = str(exc)
    nested = "Exception encountered:" in text
    if nested:
        text = text.rsplit("Exception encountered:", 1)[1].strip()
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + " ..."
    if nested or "safe_mode" in text or "custom" in text.lower():
        text += (" (the grader opens models in Keras's safe mode: built-in layers, "
                 "regularisers and activations only, no custom class or Lambda code)")
    return text


def probe(path, want: dict, x=None, x_training=None) -> dict:
    """Load the model at ``path`` and return what ``want`` asks for (``setup``: its
    compile settings; ``weights``: whether they are finite; ``reference``: its weights'
    fingerprints and those of that other file beside it; ``x``: predictions;
    ``log_probabilities``: theirs too; ``x_training``: the same for a second image set,
    as ``result["training"]``)."""
    import numpy as np

    try:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no saved model {Path(path).name}: save it with "
                                    "model.save(MODEL_PATH)")
        inspect_archive(path, want["max_unpacked"])
        model = load(path)
    except Exception as exc:  # noqa: BLE001 - a bad file is the student's error
        return {"error": f"the saved model could not be loaded: {type(exc).__name__}: "
                         f"{load_error_text(exc)}", "kind": "unreadable"}
    result = {"network": describe(model)}
    if want.get("setup"):
        result["setup"] = training_setup(path)
    if want.get("weights"):
        result["finite_weights"] = bool(all(np.isfinite(w).all() for w in model.get_weights()))
    if want.get("reference"):
        result["fingerprints"] = fingerprints(model)
        result["reference"] = reference_fingerprints(path, want)
    logs = bool(want.get("log_probabilities"))
    if x is not None:
        try:
            result.update(outputs(model, x, logs))
            if x_training is not None:
                result["training"] = outputs(model, x_training, logs)
        except Exception as exc:  # noqa: BLE001
            return {**result, "error": f"the saved model failed on the images: "
                                       f"{type(exc).__name__}: {exc}", "kind": "failed"}
    return result


def images(name: str, limit: int | None = None):
    """The grader's image set ``name`` (``validation`` or ``heldout``), as it wrote it."""
    import numpy as np

    x = np.load(_HERE / "images" / f"{name}.npy", mmap_mode="r")
    return np.asarray(x[:limit] if limit else x)


def run(params: dict, path) -> dict:
    """The probe as :mod:`grader.inside.runner` calls it in the sandbox."""
    with time_limit(params.get("timeout"), params.get("what", "the check")):
        x = images(params["images"], params.get("limit")) if params.get("images") else None
        also = params.get("training")
        x_training = images(also["images"], also.get("limit")) if also else None
        return probe(path, params["want"], x, x_training)
