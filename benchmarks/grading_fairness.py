"""How fairly the grader judges, measured in one run with the real grader (local engine):

- the reference earns every point and the untouched template none;
- trivial implementations (``autograder.audit.variants.TRIVIAL``: every region of a task returns None,
  its first argument, zeros like it, True or False) earn none of their task's points: target 0;
- the correct alternatives of each assignment's ``hidden/alternatives`` lose no point: target 0;
- grading is deterministic: the reference graded twice gives the same report.

``make test`` asserts each of these too; this script prints the counts for docs/BENCHMARKS.md.
hw4's reference trains its networks (minutes); trivial implementations and alternatives are graded
on their own task's probes, as the tests do. Run: ``.venv/bin/python benchmarks/grading_fairness.py [hw1 ...]``.
"""
import sys
import tempfile
from pathlib import Path

from autograder.audit import variants
from autograder.course.model import Course
from autograder.grading.grader import Grader

REPOSITORY = Path(__file__).resolve().parents[1]


def graded(grader, replacements=None, source=None, tasks=None):
    """The result of grading the reference with ``replacements``, or the folder ``source``."""
    with tempfile.TemporaryDirectory() as folder:
        if source is None:
            source = variants.write(grader.course, Path(folder), replacements or {})
        return grader.grade(source, tasks=tasks)


def main(names):
    course = Course(REPOSITORY)
    assignments = [course.assignment(name) for name in names] if names else course.assignments
    print("| assignment | reference | template | trivial earning points | alternatives losing points "
          "| deterministic |\n|---|---|---|---|---|---|")
    for assignment in assignments:
        grader = Grader(course, assignment)
        full = assignment.total_points + sum(t.points for t in assignment.tasks if t.bonus)
        first, second = (graded(grader).to_dict() for _ in range(2))
        first.pop("execution_time"), second.pop("execution_time")
        template = graded(grader, source=assignment.folder).score
        forms = {task.id: variants.trivial(course, task.id) for task in assignment.tasks}
        trivial = [(task, form) for task, of_task in forms.items() for form, replacements in of_task.items()
                   if graded(grader, replacements, tasks={task}).score > 0]
        alternatives = variants.alternatives(assignment)
        losing = [a.title for a in alternatives
                  if any(t.score < t.max_score for t in graded(grader, a.replacements, tasks={a.task}).tests)]
        total = sum(len(of_task) for of_task in forms.values())
        print(f"| {assignment.name} | {first['score']:g} / {full:g} | {template:g} "
              f"| {len(trivial)} of {total} | {len(losing)} of {len(alternatives)} "
              f"| {'yes' if first == second else 'NO'} |", flush=True)
        for task, form in trivial:
            print(f"  trivial implementation earning points: {task} {form}")
        for title in losing:
            print(f"  correct alternative losing points: {title}")


if __name__ == "__main__":
    main(sys.argv[1:])
