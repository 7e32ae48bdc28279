"""nbgrader's configuration for the course directory ``assignments/`` (run nbgrader from
here: ``cd assignments && ../.venv/bin/nbgrader ...``). Standard layout:
source/ -> release/ -> submitted/ -> autograded/ -> feedback/, gradebook.db beside them.
Time limits come from grader/config.py, the one place the grader also reads them."""
import os

from grader import config as grader_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = grader_config.COURSE_ID
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# c.CourseDirectory.db_url is left at its default: sqlite:///<this directory>/gradebook.db
# An assignment's folder also holds the instructor's spec (grader/assignments/spec.py) and its
# sample submissions (grader/authoring/samples.py): nbgrader's release and its copies leave them out.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "assignment.py", "samples.py"]

# Autograde: every cell gets CELL_TIMEOUT_S (a backstop: the checks themselves stop a
# student's call after CALL_TIMEOUT_S); after a timeout the kernel is interrupted and
# the next cells still run, so one hanging function costs only its own test.
c.Execute.timeout = grader_config.CELL_TIMEOUT_S
c.Execute.interrupt_on_timeout = True

# Autograde runs the notebooks in grading mode (see grader/config.py): the model
# assignments' notebooks train on the quick profile's slices and save to a scratch file,
# so autograde takes seconds and scores the model each student submitted. The kernels
# nbgrader starts inherit this process's environment.
os.environ[grader_config.GRADING_ENV] = "1"

# Feedback: nbgrader 0.9.6 builds the feedback HTML from the autograded notebook, whose
# test cells hold the hidden tests again (autograde restores them from the gradebook).
# Its GenerateFeedback has no option to hide them, so add the same ClearHiddenTests
# preprocessor generate_assignment uses: the hidden regions are cut from the cells'
# source before the HTML is written; a failing hidden test would still show its lines in
# the traceback, so grader.results.nbgrader_feedback.ClearTestTracebacks cuts test cells' error
# outputs to "Name: message" (the checks word hidden failures without their inputs).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grader.results.nbgrader_feedback.ClearTestTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
