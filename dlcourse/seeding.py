"""One call that makes a run repeatable."""
from __future__ import annotations


def seed_everything(seed: int, *, deterministic_ops: bool = True) -> None:
    """Seed Python's ``random``, NumPy and the Keras backend with ``seed``.

    With ``deterministic_ops`` the backend also picks deterministic kernels where it has
    a switch for them (TensorFlow's op determinism, PyTorch's deterministic algorithms;
    JAX's CPU kernels are deterministic as they are), so two runs with the same seed give
    bit-identical weights, not just similar ones. It costs a little speed on GPUs and
    almost none on CPUs.
    """
    import keras

    keras.utils.set_random_seed(seed)
    if not deterministic_ops:
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch
        torch.use_deterministic_algorithms(True, warn_only=True)
