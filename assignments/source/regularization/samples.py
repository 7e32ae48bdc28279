"""The sample submissions of the regularization assignment, with the points and reasons
each must get (grader/authoring/samples.py). Each is trained by a real kernel in the tests."""
from dataclasses import replace

from grader.authoring.samples import Sample, model_samples, replaced

SAMPLES = model_samples(
    # The network asked for, regularised, with plain SGD at a rate far too small for its
    # one epoch: it has learnt nothing, so it has no gap to speak of either.
    partial=replaced({"optimizer=keras.optimizers.Adam()":
                      "optimizer=keras.optimizers.SGD(learning_rate=1e-5)",
                      "epochs=EPOCHS": "epochs=1"}),
    # The chapter's over-fitting network: no regulariser (dropout kept), trained well.
    wrong=replaced({"regularizer = keras.regularizers.L2(0.001)": "regularizer = None"}),
)
# The gap test looks at the network first, as the others do; an untrained one fails it.
SAMPLES["wrong"] = replace(SAMPLES["wrong"], failing={
    **SAMPLES["wrong"].failing, "test_gap": "is not the network asked for"})
SAMPLES["partial"] = replace(SAMPLES["partial"], failing={
    **SAMPLES["partial"].failing, "test_gap": "an untrained network has no gap"})
# Regularisers in name only (L2 of 1e-7, dropout of 0.01), early stopping that never
# stops nor restores, and the last epoch's model saved, not the checkpoint's: the
# network asked for, accurate enough, but over-fitted: it fails the gap alone.
SAMPLES["overfit"] = Sample(
    answers={"answer_training": replaced({
        "keras.regularizers.L2(0.001)": "keras.regularizers.L2(1e-7)",
        "keras.layers.Dropout(0.5)": "keras.layers.Dropout(0.01)",
        "patience=PATIENCE, restore_best_weights=True": "patience=EPOCHS, restore_best_weights=False",
        "model = keras.saving.load_model(CHECKPOINT_PATH)": "pass"})},
    failing={"test_gap": "over the bound"}, cell_errors={})
