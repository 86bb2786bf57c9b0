"""Checkpoints (``probing.checkpoint``): a probe that trains shows the grader its values as they come,
the grader stops it once they settle the verdict, and a probe out of time is judged on its last one.

The protocol runs in real sandboxes (the local engine); the last test trains hw4's networks, the
reference's and weaker ones, for their whole budgets, and checks that stopping at the first
checkpoint with full credit gives each of them the verdict of its whole training.
"""
import numpy as np
import pytest

from autograder.grading.grader import CHECKS, Grader
from autograder.sandbox.limits import Limits
from autograder.sandbox.local import LocalSandbox
from autograder.sandbox.replies import ProbeOutcome

from submissions import COURSE, reference_copy, replace

PROBES = '''
import time
import numpy as np
import probing
from probing import checkpoint, probe


@probe("task1")
def counts_to_five():
    """Five checkpoints {k: 1 … 5}, then the values {k: 6}."""
    for k in range(1, 6):
        checkpoint({"k": k, "seen": np.arange(k)})
    return {"k": 6, "seen": np.arange(6)}


@probe("task1")
def goes_on_after_the_grader_has_enough():
    """Student code that catches Enough and trains on."""
    for k in range(1, 6):
        try:
            checkpoint({"k": k})
        except BaseException:
            pass
    return {"k": 99}


@probe("task1")
def runs_out_of_time_after_two():
    checkpoint({"k": 1})
    checkpoint({"k": 2})
    time.sleep(1000)


@probe("task1")
def raises_after_one():
    checkpoint({"k": 1})
    raise ValueError("the student's bug")


@probe("task1")
def checkpoints_an_object():
    checkpoint({"k": np.array([object()])})


@probe("task1")
def claims_to_have_been_stopped():
    import sys
    frame = sys._getframe()
    while "channel" not in frame.f_locals:
        frame = frame.f_back
    channel, call = frame.f_locals["channel"], frame.f_locals["call"]
    channel.send({"call": call, "status": "enough"})
    return {"k": 0}


@probe("task1")
def healthy():
    return {"k": 42}
'''


@pytest.fixture
def session(tmp_path):
    sandbox = LocalSandbox(Limits(probe_seconds=5))
    if not sandbox.fully_isolated:
        pytest.skip("the local engine needs namespaces (unshare(2)); the grader's machine has them")
    (tmp_path / "work").mkdir()
    (tmp_path / "probes.py").write_text(PROBES)
    with sandbox.session(tmp_path / "work", [tmp_path / "probes.py"]) as opened:
        yield opened


def at_least(k):
    return lambda values: values["k"] >= k


def test_the_grader_stops_a_probe_at_the_first_checkpoint_that_is_enough(session):
    outcome = session.run("counts_to_five", enough=at_least(3))
    assert outcome.status == "ok" and outcome.values["k"] == 3
    assert [values["k"] for values in outcome.progress] == [1, 2, 3]
    np.testing.assert_array_equal(outcome.values["seen"], np.arange(3))
    assert outcome.message == "stopped at its 3rd checkpoint, which was enough for the verdict"
    assert session.run("healthy").values == {"k": 42}


def test_without_a_judge_every_checkpoint_is_answered_more_and_the_probe_returns(session):
    outcome = session.run("counts_to_five")
    assert outcome.status == "ok" and outcome.values["k"] == 6 and outcome.message == ""
    assert [values["k"] for values in outcome.progress] == [1, 2, 3, 4, 5]
    outcome = session.run("counts_to_five", enough=at_least(10))
    assert outcome.values["k"] == 6 and len(outcome.progress) == 5


def test_code_that_goes_on_after_the_grader_has_enough_is_judged_where_it_stopped(session):
    outcome = session.run("goes_on_after_the_grader_has_enough", enough=at_least(2))
    assert outcome.status == "ok" and outcome.values == {"k": 2}
    assert [values["k"] for values in outcome.progress] == [1, 2], "no checkpoint is sent after the word"
    assert session.run("healthy").values == {"k": 42}


def test_a_probe_out_of_time_is_judged_on_its_last_checkpoint(session):
    outcome = session.run("runs_out_of_time_after_two", enough=at_least(10))
    assert outcome.status == "ok" and outcome.values == {"k": 2}
    assert outcome.message == ("the probe did not finish within its time limit of 5 s; judged on its last "
                               "checkpoint, the 2nd")
    assert session.run("healthy").values == {"k": 42}


def test_an_error_after_a_checkpoint_is_an_error_and_bad_values_are_invalid(session):
    outcome = session.run("raises_after_one", enough=at_least(10))
    assert outcome.status == "error" and "the student's bug" in outcome.message
    outcome = session.run("checkpoints_an_object", enough=at_least(1))
    assert outcome.status == "invalid" and "dtype object" in outcome.message
    outcome = session.run("claims_to_have_been_stopped", enough=at_least(1))
    assert outcome.status == "invalid" and "unknown status 'enough'" in outcome.message
    assert session.run("healthy").values == {"k": 42}


def test_the_accuracy_check_judges_at_most_its_declared_checkpoints_and_flags_more():
    hw4 = COURSE.assignment("hw4")
    grader = Grader(COURSE, hw4)
    name = "mlp_on_the_test_set"
    expected = grader.expected[name]
    budget = CHECKS["accuracy"].checkpoints(expected)
    assert budget == hw4.tasks[1].accuracy["epochs"] * hw4.tasks[1].accuracy["checkpoints_per_epoch"]
    labels = grader.heldout.labels
    perfect = {"predictions": labels.astype(np.int64), "epoch": 1}
    enough = grader._enough(expected)
    assert [enough(perfect) for _ in range(budget + 2)] == [True] * budget + [False] * 2
    wrong = {"predictions": (labels + 1) % 10, "epoch": 10}
    outcome = ProbeOutcome(name, "ok", wrong, progress=(perfect,) * (budget + 1) + (wrong,))
    test, flag = grader._judge(name, outcome)
    assert test.score == 0 and test.output.startswith("after epoch 10 of 10, test accuracy")
    assert flag == (f"SUSPICIOUS: {budget + 2} checkpoints where the probe sends {budget}: student code sent "
                    f"its own")


class Unstopped(Grader):
    """The grader with every checkpoint answered "more", so that each probe trains its whole budget,
    keeping each probe's outcome."""

    def _enough(self, expected):
        return None

    def _judge(self, name, outcome, error=None):
        self.outcomes[name] = outcome
        return super()._judge(name, outcome, error)


MLP, CNN = "mlp_on_the_test_set", "cnn_on_the_test_set"
NETWORKS = {     # hand-ins of hw4, the reference's files with models.py changed: the probes they train
    "the reference": ({MLP, CNN}, []),
    "an MLP of 12 hidden units and heavy dropout": ({MLP}, [("def mlp(hidden=(256, 128), dropout=0.2)",
                                                             "def mlp(hidden=(12,), dropout=0.6)")]),
    "a linear classifier": ({MLP}, [("def mlp(hidden=(256, 128), dropout=0.2)",
                                     "def mlp(hidden=(), dropout=0.2)")]),
    "a CNN of 4 and 8 channels": ({CNN}, [("nn.Conv2d(1, 32,", "nn.Conv2d(1, 4,"),
                                          ("nn.Conv2d(32, 64,", "nn.Conv2d(4, 8,"),
                                          ("nn.Linear(64 * 7 * 7, 128)", "nn.Linear(8 * 7 * 7, 128)")]),
}


@pytest.mark.slow       # trains each network for its whole budget: about 2 minutes in all
@pytest.mark.parametrize("network", NETWORKS)
def test_stopping_at_full_credit_gives_the_verdict_of_the_whole_training(network, tmp_path):
    hw4 = COURSE.assignment("hw4")
    probes, changes = NETWORKS[network]
    submission = reference_copy(hw4, tmp_path / "submission")
    for old, new in changes:
        replace(submission, "mytorch/models.py", old, new)
    grader = Unstopped(COURSE, hw4)
    grader.outcomes = {}
    grader.grade(submission, probes=probes)
    for name in probes:
        outcome, expected = grader.outcomes[name], grader.expected[name]
        assert outcome.status == "ok", outcome
        np.testing.assert_array_equal(outcome.progress[-1]["predictions"], outcome.values["predictions"])
        whole = grader._verdict(expected, outcome.values)
        judged = (grader._verdict(expected, values) for values in outcome.progress)
        stopped = next((verdict for verdict in judged if verdict.passed), whole)
        assert stopped.credit == whole.credit, (name, stopped.message, whole.message)
        if network == "the reference":
            assert whole.passed, whole.message
        else:
            assert 0 < whole.credit < 1, f"{network} should earn partial credit: {whole.message}"
