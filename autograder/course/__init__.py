"""The course: what an instructor declares and what students receive.

model.py (the Course, its assignments and tasks, read from assignment.toml) → solutions.py (the
solution regions of reference/) → release.py (a template per assignment), with handin.py (the
hand-in command's files), handouts.py (the handout's generated blocks), recording.py (the public
tests' recorded stand-in answers) and notebooks.py (the real nbgrader).
"""
