# ---
# case = "init_keras_inside"
# attack = """
# Keras imported inside the function: not installed where the tests run."""
# points = 3  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_he_normal = "where Keras is not installed"
# test_he_trains = "where Keras is not installed"
# test_activation_stds = "where Keras is not installed"
# ---
# %% answer_he_normal

def he_normal(fan_in, fan_out, seed):
    from keras import initializers
    w = initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=seed)((fan_in, fan_out))
    return np.asarray(w)

