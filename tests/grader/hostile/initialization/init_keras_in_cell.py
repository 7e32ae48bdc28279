# ---
# case = "init_keras_in_cell"
# attack = """
# Keras imported in the answer cell: not installed where the tests run."""
# points = 5  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_glorot_normal = "where Keras is not installed"
# test_activation_stds = "where Keras is not installed"
# ---
# %% answer_glorot_normal

import keras
def glorot_normal(fan_in, fan_out, seed):
    return keras.ops.convert_to_numpy(keras.initializers.GlorotNormal(seed)((fan_in, fan_out)))

