"""What the model assignments' checks make of networks edited after training
(grader/checks/models.py): the regularization gap, measured on recalibrated outputs
(dlcourse/calibration.py), which a rescaled, shifted or flattened output layer cannot
shrink; and the trains check, which tells the network a grading run trained (on renamed
classes) from one it loaded, copied or edited. Synthetic outputs and small untrained
networks: seconds."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse import calibration as cal
from grader import data
from grader.checks import models
from grader.checks.models import ModelCheck
from grader.models import data as model_data
from grader.models.assignment import model_assignment
from grader.inside import model_probes


def log_softmax(z):
    z = np.asarray(z, dtype="float64")
    top = z.max(axis=1, keepdims=True)
    return z - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True))


def overfit_logits(y, accuracy: float, confidence: float, seed: int):
    """Logits of a network right on a share ``accuracy`` of the images, each time with
    a margin of about ``confidence`` (wrong ones are as confident)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    z = rng.normal(0, 1, (n, 10))
    right = rng.random(n) < accuracy
    wrong = (y + rng.integers(1, 10, n)) % 10
    z[np.arange(n), np.where(right, y, wrong)] += confidence
    return z


@pytest.fixture(scope="module")
def over_fitted():
    """(train logits, y_train, eval logits, y_eval) of an over-fitted network: sure and
    right on its training images, as sure but often wrong on the others."""
    rng = np.random.default_rng(0)
    y_train, y_eval = rng.integers(0, 10, 1000), rng.integers(0, 10, 2000)
    return (overfit_logits(y_train, 0.99, 9.0, 1), y_train,
            overfit_logits(y_eval, 0.8, 9.0, 2), y_eval)


def gap_of(z_train, y_train, z_eval, y_eval, transform=lambda z: z):
    return cal.calibrated_gap(log_softmax(transform(z_train)), y_train,
                              log_softmax(transform(z_eval)), y_eval)


@pytest.mark.parametrize("edit", ["divided by 50", "divided by 1e6", "a constant added",
                                  "an offset per class", "sharpened by 3"])
def test_the_calibrated_gap_is_the_same_for_any_affine_edit_of_the_logits(over_fitted, edit):
    offsets = np.random.default_rng(3).normal(0, 2, 10)
    transform = {"divided by 50": lambda z: z / 50, "divided by 1e6": lambda z: z / 1e6,
                 "a constant added": lambda z: z + 1000.0,
                 "an offset per class": lambda z: z + offsets,
                 "sharpened by 3": lambda z: 3 * z}[edit]
    own, edited = gap_of(*over_fitted), gap_of(*over_fitted, transform=transform)
    assert own["gap"] > 0.5, own
    assert edited["gap"] == pytest.approx(own["gap"], abs=1e-4), (own, edited)
    if edit.startswith("divided"):
        assert own["raw_gap"] > 1 and edited["raw_gap"] < 0.1, (own, edited)


@pytest.mark.parametrize("eps", [0.1, 0.5, 0.9, 0.99])
def test_mixing_the_outputs_with_the_uniform_distribution_does_not_shrink_the_gap(over_fitted, eps):
    z_train, y_train, z_eval, y_eval = over_fitted

    def mixed(z):  # p' = (1 - eps) p + eps / 10, as the probe would send it
        return cal.log_probabilities((1 - eps) * np.exp(log_softmax(z)) + eps / 10)

    own = gap_of(*over_fitted)
    found = cal.calibrated_gap(mixed(z_train), y_train, mixed(z_eval), y_eval)
    assert found["raw_gap"] < own["raw_gap"]
    assert found["gap"] >= own["gap"] - 0.01, (own, found)


def test_recalibration_never_raises_the_held_out_loss_and_survives_degenerate_outputs():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 10, 500)
    for seed in range(5):
        z = overfit_logits(y, 0.6, rng.uniform(0, 6), seed) * rng.uniform(0.01, 20)
        found = cal.calibrated_gap(log_softmax(z), y, log_softmax(z), y)
        assert found["eval"] <= cal.cross_entropy(log_softmax(z), y) + 1e-9
        assert found["gap"] == pytest.approx(0, abs=1e-9)
    flat = np.full((500, 10), np.log(0.1))
    assert cal.calibrated_gap(flat, y, flat, y)["gap"] == pytest.approx(0, abs=1e-9)
    separated = log_softmax(overfit_logits(y, 1.0, 30.0, 9))  # no finite optimum
    found = cal.calibrated_gap(separated, y, separated, y)
    assert np.isfinite(found["gap"]) and found["eval"] < 1e-3


# --- the gap check, on plain data as the probe returns it --------------------------

def _network(assignment: str) -> dict:
    import keras

    if assignment == "regularization":
        l2 = keras.regularizers.L2(1e-3)
        layers = [keras.Input((28, 28)), keras.layers.Flatten(),
                  keras.layers.Dense(300, activation="relu", kernel_regularizer=l2),
                  keras.layers.Dropout(0.5),
                  keras.layers.Dense(300, activation="relu", kernel_regularizer=l2)]
    else:
        layers = [keras.Input((784,)), keras.layers.Dense(100, activation="relu")]
    model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
    return model_probes.describe(model)


def _outputs(logs) -> dict:
    logs = np.asarray(logs)
    return {"predicted": [int(c) for c in logs.argmax(axis=1)], "output_shape": [10],
            "distribution": True,
            "log_probabilities": [[float(f"{v:.9g}") for v in row] for row in logs]}


def _gap_data(z_train, z_eval) -> dict:
    return {"network": _network("regularization"), **_outputs(log_softmax(z_eval)),
            "training": _outputs(log_softmax(z_train))}


@pytest.mark.parametrize("part", ["visible", "hidden"])
def test_the_gap_check_fails_an_over_fitted_network_however_its_output_layer_is_scaled(part):
    check = ModelCheck(model_assignment("regularization"), "gap")
    params = check.params(part)
    y_train = models.labels(model_assignment("regularization"), "training")[:params["training"]["limit"]]
    y_eval = models.labels(model_assignment("regularization"), params["images"])[:params["limit"]]
    z_train = overfit_logits(y_train, 0.99, 9.0, 1)
    z_eval = overfit_logits(y_eval, 0.8, 9.0, 2)
    for k in (1, 50, 1e4):
        with pytest.raises(AssertionError, match="over the bound") as failure:
            check.verify(part, _gap_data(z_train / k, z_eval / k))
        assert "recalibrated" in str(failure.value)
    # A network as sure of its training images as of the others: no gap, at any scale.
    z_train = overfit_logits(y_train, 0.8, 3.0, 3)
    for k in (1, 50):
        note = check.verify(part, _gap_data(z_train / k, overfit_logits(y_eval, 0.8, 3.0, 4) / k))
        assert note.startswith("gap ")


def test_the_gap_check_refuses_log_probabilities_that_are_not_ones():
    check = ModelCheck(model_assignment("regularization"), "gap")
    params = check.params("visible")
    y_train = models.labels(model_assignment("regularization"), "training")[:params["training"]["limit"]]
    y_eval = models.labels(model_assignment("regularization"), "validation")[:params["limit"]]
    found = _gap_data(overfit_logits(y_train, 0.8, 3.0, 3), overfit_logits(y_eval, 0.8, 3.0, 4))
    found["log_probabilities"] = [[5.0] * 10 for _ in y_eval]  # "probabilities" above 1
    with pytest.raises(AssertionError, match="no loss can be computed"):
        check.verify("visible", found)


# --- the trains check: a network the grading run trained, or one from before ---------

def test_the_grading_run_trains_on_renamed_classes():
    names = np.asarray(data.GRADING_CLASSES)
    assert sorted(names) == list(range(10)) and not np.any(names == np.arange(10))
    (x, y), (xv, yv) = data.training_data("learning_rate", grading_mode=True)
    (x0, y0), (xv0, yv0) = model_data._training_data(model_assignment("learning_rate"), True, True)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, names[y0])
    np.testing.assert_array_equal(yv, names[yv0])
    # The checks' own image sets keep the usual names, in grading mode too.
    (_, y_checks), _ = data.training_data("learning_rate", graded_sizes=False, grading_mode=True)
    (_, y_plain), _ = data.training_data("learning_rate", graded_sizes=False, grading_mode=False)
    np.testing.assert_array_equal(y_checks, y_plain)


def _trains_data(predicted, fingerprints=None, reference=None) -> dict:
    found = {"network": _network("learning_rate"), "predicted": [int(c) for c in predicted],
             "output_shape": [10], "distribution": True}
    if fingerprints is not None:
        found.update(fingerprints=fingerprints, reference=reference)
    return found


def test_the_trains_check_wants_the_grading_runs_names_of_the_classes():
    check = ModelCheck(model_assignment("learning_rate"), "trains")
    params = check.params("hidden")
    assert params["want"]["reference"] == check.spec.model_file
    y = models.labels(model_assignment("learning_rate"), params["images"])[:params.get("limit")]
    renamed = data.grading_labels(y)
    assert check.verify("hidden", _trains_data(renamed)) is None
    # The submitted network (or one trained before): the usual names.
    with pytest.raises(AssertionError, match="not trained by that run"):
        check.verify("hidden", _trains_data(y))
    with pytest.raises(AssertionError, match="not above 0.5"):
        check.verify("hidden", _trains_data(np.zeros_like(y)))
    # Run by its student (no grading run), the notebook's model has the usual names.
    assert models.verify(check, "hidden", _trains_data(y), grading_run=False) is None


def test_the_trains_check_fails_weights_copied_from_the_submitted_file():
    check = ModelCheck(model_assignment("learning_rate"), "trains")
    y = models.labels(model_assignment("learning_rate"), "heldout")
    kernels = [{"shape": [784, 100], "digest": "a"}, {"shape": [100], "digest": "b"},
               {"shape": [100, 10], "digest": "c"}, {"shape": [10], "digest": "d"}]
    edited = [dict(k) for k in kernels]
    edited[2]["digest"], edited[3]["digest"] = "x", "y"  # the output layer alone retrained
    for reference, same in ((kernels, 2), (edited, 1)):
        with pytest.raises(AssertionError, match=f"{same} weight matrices of the model you submitted"):
            check.verify("hidden", _trains_data(data.grading_labels(y), kernels,
                                                {"fingerprints": reference}))
    # The same untrained network saved twice (a seeded notebook that forgot to fit):
    # unchanged too, but untrained is what it says.
    with pytest.raises(AssertionError, match="not above 0.5"):
        check.verify("hidden", _trains_data(np.zeros_like(y), kernels, {"fingerprints": kernels}))
    # Biases alike, kernels not; or no submitted file to compare with: no objection.
    others = [dict(k, digest=k["digest"] + "2") if len(k["shape"]) == 2 else k for k in kernels]
    for reference in ({"fingerprints": others}, {"missing": True}, {"unreadable": "OSError"}):
        assert check.verify("hidden", _trains_data(data.grading_labels(y), kernels, reference)) is None


def test_the_probe_fingerprints_both_files_and_keeps_the_outputs_precision(tmp_path):
    import shutil

    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(100, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "mnist_model.keras")
    shutil.copy(tmp_path / "mnist_model.keras", tmp_path / "copy.keras")
    want = {"reference": "mnist_model.keras", "max_unpacked": 2**28, "log_probabilities": True}
    found = model_probes.probe(tmp_path / "copy.keras", want)
    assert found["fingerprints"] == found["reference"]["fingerprints"]
    assert models.unchanged_weights(found) == 2
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel / 1e6, bias / 1e6])  # outputs all but uniform
    model.save(tmp_path / "edited.keras")
    x = np.random.default_rng(0).random((50, 784)).astype("float32")
    found = model_probes.probe(tmp_path / "edited.keras", want, x)
    assert models.unchanged_weights(found) == 1  # the hidden layer's kernel
    logs = np.asarray(found["log_probabilities"])
    assert len({tuple(row) for row in logs}) == 50, "the rows still differ"
    assert (logs.argmax(axis=1) == np.asarray(found["predicted"])).mean() > 0.9
    assert model_probes.probe(tmp_path / "edited.keras", {**want, "reference": "none.keras"}
                              )["reference"] == {"missing": True}
