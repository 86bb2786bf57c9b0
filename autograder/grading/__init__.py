"""Grading one hand-in: submission → sandbox → probes → verdicts → result.

submission.py reads the hand-in into a workspace; grader.py runs the probes in a sandbox and asks
verdicts.py to judge each one against the reference; results.py holds the validated scores and
the two views of them, and redaction.py withholds hidden text from the student's. heldout.py is
the held-out test set of an assignment graded by accuracy.
"""
