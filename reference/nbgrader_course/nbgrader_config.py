"""nbgrader's configuration: this folder is the course directory of the course's notebooks.

``source/<assignment>/`` holds each notebook with its solutions, hidden tests and model answers.
``autograder release`` runs ``nbgrader generate_assignment`` on a temporary copy of this folder
and ships the result as ``assignments/<assignment>/<notebook>`` (see ``autograder/course/notebooks.py``),
so nothing that nbgrader generates (``release/``, ``gradebook.db``, ...) belongs here.
"""
from pathlib import Path

c = get_config()  # noqa: F821  (defined by traitlets, which runs this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "mytorch"

# What replaces a solution: a stub that fails with a clear message until the student writes it.
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("write this function")'}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds per cell when a notebook is graded: the setup cell trains the MLP for three epochs.
c.Execute.timeout = 300
