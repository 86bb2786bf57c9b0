"""The course's tooling: releasing assignments from the reference, and grading submissions.

The command line (``autograder ...``, see :mod:`autograder.cli`) is a thin
layer over keyword-only functions, which are also the Python API.
"""
