"""Shared code of the course: datasets, run profiles, seeding, models and plots.

The book's chapters, the assignments and the grader import from here so that no
notebook carries its own copy of a helper (the d2l book's ``d2l`` package is the model).
"""
import os

# TensorFlow prints C++ start-up notices (oneDNN, CPU features) on stderr; they are
# noise on the book's pages and in test logs. Set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlcourse.datasets import CLASS_NAMES, DatasetError, data_dir, load_data  # noqa: E402
from dlcourse.profiles import Profile, current_profile  # noqa: E402
from dlcourse.seeding import seed_everything  # noqa: E402

__all__ = ["CLASS_NAMES", "DatasetError", "Profile", "current_profile", "data_dir", "load_data",
           "seed_everything"]
