"""Run profiles: one switch, every experiment's sizes in one table."""
from __future__ import annotations

import pytest

from dlcourse.profiles import Profile, current_profile


def test_default_profile_is_quick(monkeypatch):
    monkeypatch.delenv("DLCOURSE_PROFILE", raising=False)
    assert current_profile().name == "quick"


@pytest.mark.parametrize("value, expected", [("full", "full"), (" Quick ", "quick"), ("", "quick")])
def test_environment_selects_profile(monkeypatch, value, expected):
    monkeypatch.setenv("DLCOURSE_PROFILE", value)
    assert current_profile().name == expected


def test_unknown_profile_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("DLCOURSE_PROFILE", "medium")
    with pytest.raises(ValueError, match="'medium'.*DLCOURSE_PROFILE.*quick, full"):
        current_profile()


def test_both_profiles_define_the_same_experiments():
    assert Profile("quick").experiments == Profile("full").experiments


def test_full_profile_keeps_the_original_settings():
    full = Profile("full")
    lr = full.settings("mnist_lr")
    assert (lr.epochs, lr.batch_size, lr.train_size) == (30, 100, None)
    assert 777 in lr.seeds and len(lr.seeds) >= 3
    assert full.settings("fashion_optimizers").epochs == 5
    assert full.settings("cifar10_deep")["patience"] == 20
    one_cycle = full.settings("cifar10_1cycle")
    assert (one_cycle.epochs, one_cycle.batch_size) == (15, 128)


def test_quick_profile_is_smaller_everywhere():
    quick, full = Profile("quick"), Profile("full")
    for name in quick.experiments:
        q, f = quick.settings(name), full.settings(name)
        assert q.epochs <= f.epochs, name
        assert q.train_size is not None and q.train_size <= 10000, name


def test_unknown_experiment_lists_known_ones():
    with pytest.raises(KeyError, match="no experiment 'nope' in the quick profile; known: mnist_lr"):
        Profile("quick").settings("nope")


def test_overrides_leave_the_table_alone():
    quick = Profile("quick")
    assert quick.settings("mnist_lr", epochs=1).epochs == 1
    assert quick.settings("mnist_lr").epochs == 3
