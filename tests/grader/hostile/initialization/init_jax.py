# ---
# case = "init_jax"
# attack = """
# JAX imported inside the function: not installed where the tests run."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_activation_stds = "where Keras is not installed"
# ---
# %% answer_activation_stds

def activation_stds(init, activation, widths, n=1000, seed=0):
    import jax.numpy as jnp
    return [float(jnp.std(jnp.ones(3)))] * (len(widths) - 1)

