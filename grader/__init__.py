"""The course's autograder: runs each submission's code in a separate process, checks
what it returns against the reference implementations in :mod:`dlcourse`, and writes a
gradebook. ``python -m grader --help`` for the command line."""
