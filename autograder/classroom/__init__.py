"""Grading a whole class: batch.py finds the hand-ins and grades them on worker processes or on a
Ray cluster (cluster.py) into the gradebook (gradebook.py); exports.py writes its grades out,
similarity.py ranks pairs of similar hand-ins, and gradescope.py packages an assignment's
autograder for Gradescope.
"""
