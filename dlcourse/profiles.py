"""Run profiles: one switch between the original settings and a quick rehearsal.

``DLCOURSE_PROFILE=full`` reproduces each experiment as published (epochs, batch
size, all the data); ``DLCOURSE_PROFILE=quick`` (the default) trains on small slices
for a few epochs so the whole book and test suite run on two CPU cores in minutes.
Every experiment reads its sizes from here, so no notebook keeps a second copy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace

PROFILE_ENV = "DLCOURSE_PROFILE"
DEFAULT_PROFILE = "quick"


@dataclass(frozen=True)
class RunSettings:
    """How long and on how much data one experiment trains."""

    epochs: int
    batch_size: int
    train_size: int | None = None  # None: the whole training split
    test_size: int | None = None   # None: the whole test (or validation) split
    seeds: tuple[int, ...] = (42,)
    extra: dict = field(default_factory=dict)  # experiment-specific knobs (patience, ...)

    def __getitem__(self, key):
        return self.extra[key]


@dataclass(frozen=True)
class Sizes:
    """One settings key in both profiles, side by side."""

    quick: RunSettings  # small slices and few epochs: the phenomenon, minutes on 2 cores
    full: RunSettings   # the original settings, from the posts and notebooks cited


PROFILES = tuple(f.name for f in fields(Sizes))

SETTINGS = {
    # Chapter 1: RMSprop on MNIST with a learning rate of 0.5, 1e-6 and 1e-3.
    "mnist_lr": Sizes(
        quick=RunSettings(epochs=3, batch_size=100, train_size=6000, test_size=2000,
                          seeds=(777,)),
        full=RunSettings(epochs=30, batch_size=100, seeds=(777, 1, 2))),
    "mnist_lr_sweep": Sizes(
        quick=RunSettings(epochs=2, batch_size=100, train_size=6000, test_size=2000,
                          seeds=(777,)),
        full=RunSettings(epochs=30, batch_size=100, seeds=(777, 1, 2))),
    # Chapter 2: seven optimizers on Fashion-MNIST, 80/20 split, 5 epochs.
    "fashion_optimizers": Sizes(
        quick=RunSettings(epochs=3, batch_size=32, train_size=6000, test_size=2000,
                          seeds=(42,)),
        full=RunSettings(epochs=5, batch_size=32, seeds=(42, 1, 2))),
    # Chapter 3: schedules on Fashion-MNIST.
    "fashion_schedules": Sizes(
        quick=RunSettings(epochs=4, batch_size=32, train_size=6000, test_size=2000,
                          seeds=(42,)),
        full=RunSettings(epochs=25, batch_size=32, seeds=(42, 1, 2))),
    # Chapter 4: initialisation; MNIST, SGD(0.01), batch 128: about the 2,000 iterations
    # of Saito's weight_init_compare (Deep Learning from Scratch, 6.2).
    "init_training": Sizes(
        quick=RunSettings(epochs=3, batch_size=32, train_size=6000, test_size=2000,
                          seeds=(42,)),
        full=RunSettings(epochs=5, batch_size=128, seeds=(42, 1, 2))),
    # Chapter 5: regularisation, early stopping; 5,000 training images that a 2 x 300
    # MLP over-fits, validation on the last 10,000 images of the training split.
    "regularization": Sizes(
        quick=RunSettings(epochs=15, batch_size=32, train_size=1000, test_size=2000,
                          seeds=(42,), extra={"patience": 3}),
        full=RunSettings(epochs=100, batch_size=32, train_size=5000, seeds=(42, 1, 2),
                         extra={"patience": 5})),
    # Chapter 6: CIFAR-10, exercise 8 of Hands-On ML ch. 11 (validation: first 5,000).
    # The quick slices keep the page's five 20-layer networks within about four minutes.
    "cifar10_deep": Sizes(
        quick=RunSettings(epochs=3, batch_size=32, train_size=3000, test_size=2000,
                          seeds=(42,), extra={"patience": 2, "lr_search_epochs": 1,
                                              "mc_samples": 10}),
        full=RunSettings(epochs=100, batch_size=32, seeds=(42, 1, 2),
                         extra={"patience": 20, "lr_search_epochs": 10, "mc_samples": 10})),
    "cifar10_1cycle": Sizes(
        quick=RunSettings(epochs=5, batch_size=128, train_size=5000, test_size=2000,
                          seeds=(42,)),
        full=RunSettings(epochs=15, batch_size=128, seeds=(42, 1, 2))),
}


@dataclass(frozen=True)
class Profile:
    """A named set of :class:`RunSettings`, one per experiment id."""

    name: str

    def __post_init__(self):
        if self.name not in PROFILES:
            raise ValueError(f"unknown run profile {self.name!r}: set {PROFILE_ENV} to one of "
                             f"{', '.join(PROFILES)}")

    @property
    def experiments(self) -> tuple[str, ...]:
        return tuple(SETTINGS)

    def settings(self, experiment: str, **overrides) -> RunSettings:
        """The settings of ``experiment`` in this profile, with optional overrides."""
        try:
            found = getattr(SETTINGS[experiment], self.name)
        except KeyError:
            raise KeyError(f"no experiment {experiment!r} in the {self.name} profile; known: "
                           f"{', '.join(self.experiments)}") from None
        return replace(found, **overrides) if overrides else found


def current_profile() -> Profile:
    """The profile named by ``$DLCOURSE_PROFILE`` (default ``quick``)."""
    return Profile(os.environ.get(PROFILE_ENV, DEFAULT_PROFILE).strip().lower() or DEFAULT_PROFILE)
