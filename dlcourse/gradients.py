"""Gradients of a loss with respect to a model's variables, on any Keras backend.

Keras 3 trains on TensorFlow, JAX or PyTorch, but has no backend-neutral call for "the
gradient of this loss" outside ``fit``; the chapters that look at gradients (how much
signal reaches each layer) use this one function instead of a backend's own API.
"""
from __future__ import annotations


def gradients(model, loss_of_outputs, x, variables) -> list:
    """The gradients of ``loss_of_outputs(model(x))`` with respect to ``variables`` (some
    of ``model.trainable_variables``), as NumPy arrays, in the training mode's forward
    pass of no layer (inference: dropout off)."""
    import keras
    import numpy as np

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            loss = loss_of_outputs(model(x))
        return [np.asarray(g) for g in tape.gradient(loss, variables)]
    if backend == "jax":
        import jax
        trainable = [v.value for v in model.trainable_variables]
        others = [v.value for v in model.non_trainable_variables]

        def loss_fn(values):
            outputs, _ = model.stateless_call(values, others, x)
            return loss_of_outputs(outputs)
        grads = jax.grad(loss_fn)(trainable)
        index = {id(v): i for i, v in enumerate(model.trainable_variables)}
        return [np.asarray(grads[index[id(v)]]) for v in variables]
    if backend == "torch":
        for v in model.trainable_variables:
            v.value.grad = None
        loss_of_outputs(model(x)).backward()
        return [v.value.grad.detach().cpu().numpy() for v in variables]
    raise NotImplementedError(f"no gradients on the {backend} backend")
