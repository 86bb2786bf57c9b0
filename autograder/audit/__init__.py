"""The grading judged by the kit itself: variants.py rewrites solution regions (trivial
implementations, correct alternatives), mutants.py plants plausible bugs, mutation.py grades every
mutant and scores the assignment, and leaks.py checks that nothing sent into a sandbox copies a
solution.
"""
