"""Every report format on results built by hand: Gradescope's schema, JUnit that parses,
escaped feedback pages, hidden outputs and the instructor's notes kept from students,
byte-identical output, plots."""
import base64
import html as html_module
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from autograder import reports
from autograder.grading.results import (
    HIDDEN_FEEDBACK_CHARS,
    GradingResult,
    InstructorNotes,
    TestResult,
    student_feedback,
)
from autograder.reports import gradescope, html, instructor, json_report, markdown, plots, table
from autograder.reports.text import failures_first, task_summaries

PAYLOAD = '<script>alert("pwned")</script>'
HIDDEN_SUMMARY = "param1: differs at index (2,) by a relative error of 3.1e-02"
HIDDEN_DETAIL = f"{HIDDEN_SUMMARY}\nthe instructor's note: expected 0.73105"
UGLY = "NUL \x00, escape \x1b[31mred\x1b[0m, surrogate \ud800, CDATA end ]]>, fence ``` and ````"
STUDENT_FACING = ("gradescope", "markdown", "html")
INSTRUCTOR_FACING = ("instructor", "json", "junit")
# What only instructors may read, as the grader records it: the sandbox's isolation (the grader's
# paths, the uid range, the limits), a detection and a flag for review.
GRADER_PATH = "/srv/course/assignments/hw3_optimizers/hidden"
UID_RANGE = "(110000..110999)"
LIMITS = "limits: 60 s per probe, 600 s per session"
DETECTION = "network access attempted (socket.connect, 3 times)"
FLAG = "Task 4.2: MLP — mlp on the test set: SUSPICIOUS: 99.00% on unperturbed copies"
INSTRUCTOR_NOTES = InstructorNotes(
    isolation=(f"user: a dedicated uid per session {UID_RANGE}, no supplementary groups",
               f"files: hidden (empty tmpfs): {GRADER_PATH}", f"{LIMITS} (wall clock and CPU)"),
    detections=(DETECTION,), flags=(FLAG,))


@pytest.fixture(scope="module")
def plot_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    plots.training_curve({"train_loss": [1.2, 0.6, 0.45], "test_accuracy": [0.71, 0.8, 0.84]},
                         folder / "training curve.png")
    plots.confusion_matrix([[50, 3, 0], [4, 40, 6], [0, 5, 45]], ["shirt", "coat", "bag"],
                           folder / "confusion.png")
    return {"training_curve": folder / "training curve.png", "confusion_matrix": folder / "confusion.png"}


def make_result(tests=None, execution_time=12.75, **fields):
    """hw3 with a passed, a partly passed, a hidden and a bonus test (unless ``tests`` says otherwise)."""
    if tests is None:
        tests = [TestResult("Task 3.1: SGD — plain", "task3_1", 5.0, 5.0, "passed", "passed"),
                 TestResult("Task 3.1: SGD — nesterov", "task3_1", 5 / 3, 5.0, "failed",
                            f"param0: wrong after step 3 {PAYLOAD}\n{UGLY}"),
                 TestResult("Task 3.2: Adam — bias correction", "task3_2", 0.0, 10.0, "failed",
                            HIDDEN_DETAIL, hidden=True),
                 TestResult("Task 3.10: bonus — AdamW", "task3_10", 4.0, 4.0, "passed", "passed")]
    fields = {"output": f"rejected file {PAYLOAD}.py", "artifacts": {}, "instructor": INSTRUCTOR_NOTES,
              "task_titles": {"task3_1": "SGD", "task3_2": "Adam", "task3_10": "bonus: AdamW"}, **fields}
    return GradingResult("hw3_optimizers", "Optimizers", tuple(tests), 15.0, 4.0, fields.pop("output"),
                         execution_time, **fields)


@pytest.fixture
def result(plot_files):
    return make_result(artifacts=plot_files)


def validate_gradescope(path):
    schema = json.loads(gradescope.SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    return data


# ----- all formats ---------------------------------------------------------------------------------
def test_write_all_uses_the_standard_file_names(result, tmp_path):
    paths = reports.write_all(result, tmp_path / "out")
    assert {name: path.name for name, path in paths.items()} == {
        "gradescope": "results.json", "junit": "junit.xml", "json": "result.json",
        "markdown": "feedback.md", "html": "feedback.html", "instructor": "instructor.md"}
    assert all(path.is_file() for path in paths.values())
    validate_gradescope(paths["gradescope"])


def test_write_all_writes_only_the_formats_asked_for_and_refuses_unknown_ones(result, tmp_path):
    assert list(reports.write_all(result, tmp_path, ["junit"])) == ["junit"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml"]
    with pytest.raises(ValueError, match="unknown report format.*pdf; known: gradescope, markdown"):
        reports.write_all(result, tmp_path, ["markdown", "pdf"])


@pytest.mark.parametrize("name", sorted(reports.FORMATS))
def test_every_writer_validates_before_writing(name, tmp_path):
    broken = make_result([TestResult("Task 3.1: SGD — plain", "task3_1", float("nan"), 5.0, "failed", "")])
    path = tmp_path / reports.FORMATS[name].FILE_NAME
    with pytest.raises(ValueError, match="score is nan"):
        reports.FORMATS[name].write(broken, path)
    assert not path.exists()


def test_the_same_result_gives_the_same_bytes_in_every_format(result, tmp_path):
    first = reports.write_all(result, tmp_path / "first")
    second = reports.write_all(result, tmp_path / "second")
    for name in reports.FORMATS:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    assert table.render(result) == table.render(result)


@pytest.mark.parametrize("render", [markdown.render, html.render, instructor.render, table.render],
                         ids=["markdown", "html", "instructor", "table"])
def test_pages_and_tables_do_not_show_the_execution_time(render, plot_files):
    slow = make_result(execution_time=4321.987, artifacts=plot_files)
    fast = make_result(execution_time=0.5, artifacts=plot_files)
    assert "4321" not in render(slow) and render(slow) == render(fast)


@pytest.mark.parametrize("name", STUDENT_FACING)
def test_student_facing_reports_show_a_hidden_tests_first_line_only(name, result, tmp_path):
    text = reports.write_all(result, tmp_path, [name])[name].read_text(encoding="utf-8")
    assert "Task 3.2: Adam — bias correction" in text
    assert HIDDEN_SUMMARY in text and "more detail withheld" in text
    assert "expected 0.73105" not in text


def test_a_long_hidden_message_is_cut_between_words_never_inside_one():
    words = " ".join(f"word{i}" for i in range(200))
    test = TestResult(name="t", task="task1_1", score=0, max_score=1, status="failed", output=words,
                      hidden=True)
    kept = test.feedback.removesuffix(" [hidden test: more detail withheld]")
    assert kept.endswith("…") and kept[:-1] in words and words[len(kept) - 1] == " "
    assert len(kept) <= HIDDEN_FEEDBACK_CHARS


@pytest.mark.parametrize("name", INSTRUCTOR_FACING)
def test_instructor_reports_keep_a_hidden_tests_output(name, result, tmp_path):
    text = reports.write_all(result, tmp_path, [name])[name].read_text(encoding="utf-8")
    assert HIDDEN_SUMMARY in text and "the instructor's note: expected 0.73105" in text


# ----- the two views ---------------------------------------------------------------------------------
def test_every_format_declares_the_view_it_is_written_for():
    assert {name: reports.view(name) for name in reports.FORMATS} == {
        **dict.fromkeys(STUDENT_FACING, "student"), **dict.fromkeys(INSTRUCTOR_FACING, "instructor")}
    assert reports.formats_of("student") == list(STUDENT_FACING)


def written(result, name, folder):
    """The text of ``result`` written as ``name``, with HTML's entities and JSON's escapes undone."""
    text = reports.write_all(result, folder, [name])[name].read_text(encoding="utf-8")
    return json.dumps(json.loads(text), ensure_ascii=False) if name == "json" else html_module.unescape(text)


@pytest.mark.parametrize("name", sorted(reports.FORMATS))
def test_the_instructors_notes_reach_the_instructors_reports_and_no_students(name, result, tmp_path):
    page = written(result, name, tmp_path)
    notes = [GRADER_PATH, UID_RANGE, LIMITS, DETECTION, FLAG]
    shown = [note for note in notes if note in page]
    assert shown == ([] if reports.view(name) == "student" else notes)


class Withholding:
    """A stand-in for the course's Redactor: withholds every occurrence of ``secret``."""

    def __init__(self, secret):
        self.secret = secret

    def redact(self, text):
        return text.replace(self.secret, "[withheld: it matches the course's own files]")


@pytest.mark.parametrize("name", sorted(reports.FORMATS))
def test_a_message_quoting_a_secret_reaches_instructors_whole_and_students_withheld(name, tmp_path):
    secret = "def topological_order(root): stack, seen, order = [(root, False)], set(), []"
    redactor = Withholding(secret)
    message = f"RuntimeError: {secret}\n  mytorch/autodiff/engine.py, line 7, in backward"
    tests = [TestResult("Task 1.1: sort — order", "task1_1", 0.0, 5.0, "failed", message, hidden=True,
                        feedback=student_feedback(message, True, redactor)),
             TestResult("Task 1.2: public", "task1_2", 0.0, 5.0, "failed", message,
                        feedback=student_feedback(message, False, redactor))]
    notes = f"could not read {secret}"
    graded = make_result(tests, output=notes, feedback=student_feedback(notes, redactor=redactor))
    page = written(graded, name, tmp_path)
    if reports.view(name) == "student":
        assert secret not in page and page.count("[withheld: it matches the course's own files]") == 3
    else:
        assert page.count(secret) >= 3 and "engine.py, line 7" in page


@pytest.mark.parametrize("name", sorted(reports.FORMATS))
def test_a_result_without_tests_renders_in_every_format(name, tmp_path):
    empty = make_result([], output="The submission could not be graded: archive.zip is not a zip file")
    path = reports.write_all(empty, tmp_path, [name])[name]
    assert "archive.zip is not a zip file" in path.read_text(encoding="utf-8")


# ----- Gradescope ------------------------------------------------------------------------------------
def test_gradescope_results_follow_the_specification(result, tmp_path):
    data = validate_gradescope(reports.write_all(result, tmp_path, ["gradescope"])["gradescope"])
    assert data["score"] == round(5 + 5 / 3 + 4, 9) and data["execution_time"] == 12.75   # 9 decimals
    assert data["stdout_visibility"] == "hidden" and data["test_output_format"] == "text"
    assert [(t["number"], t["status"], t["visibility"]) for t in data["tests"]] == [
        ("3.1.1", "failed", "visible"), ("3.1.2", "passed", "visible"),
        ("3.2.1", "failed", "after_published"), ("3.10.1", "passed", "visible")]
    assert data["tests"][0]["score"] == 5 / 3 and data["tests"][0]["max_score"] == 5.0
    assert PAYLOAD in data["tests"][0]["output"]     # kept as text: Gradescope shows it as text


def test_gradescope_output_is_printable_utf8(result):
    text = gradescope.render(result)
    text.encode("utf-8")                                    # a lone surrogate would fail here
    output = json.loads(text)["tests"][0]["output"]
    assert "\\x00" in output and "\\x1b[31m" in output and "\\ud800" in output and "\x00" not in output


def test_the_schema_rejects_what_gradescope_would_not_accept(result):
    schema = json.loads(gradescope.SCHEMA.read_text())
    good = json.loads(gradescope.render(result))
    for broken in ({**good, "score": -1}, {**good, "stdout_visibility": "later"}, {**good, "scroe": 1},
                   {**good, "tests": [{**good["tests"][0], "status": "partial"}]},
                   {**good, "tests": [{k: v for k, v in good["tests"][0].items() if k != "max_score"}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def test_bonus_points_take_the_score_above_the_assignments_total(tmp_path):
    tests = [TestResult("Task 3.1: SGD", "task3_1", 15.0, 15.0, "passed", "passed"),
             TestResult("Task 3.10: bonus — AdamW", "task3_10", 4.0, 4.0, "passed", "passed")]
    bonus = make_result(tests)
    paths = reports.write_all(bonus, tmp_path, ["gradescope", "markdown"])
    assert validate_gradescope(paths["gradescope"])["score"] == 19.0
    assert "**Score: 19 / 15 points (bonus: up to 4 more)**" in paths["markdown"].read_text(encoding="utf-8")


def test_a_check_of_the_whole_submission_has_no_task_number(tmp_path):
    check = TestResult("files", "submission", 0.0, 0.0, "failed", "notes.txt was rejected")
    path = reports.write_all(make_result([check]), tmp_path, ["gradescope"])["gradescope"]
    data = validate_gradescope(path)
    assert "number" not in data["tests"][0]


# ----- JUnit -----------------------------------------------------------------------------------------
def test_junit_parses_and_holds_scores_failures_and_escaped_student_output(result, tmp_path):
    root = ET.parse(reports.write_all(result, tmp_path, ["junit"])["junit"]).getroot()
    suite = root.find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("hw3_optimizers", "4", "2")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert float(properties["score"]) == round(5 + 5 / 3 + 4, 9) and properties["bonus_points"] == "4.0"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases][:2] == [
        ("task3_1", "Task 3.1: SGD — nesterov"), ("task3_1", "Task 3.1: SGD — plain")]
    assert cases[1].find("failure") is None
    failure = cases[0].find("failure")
    assert failure.get("message") == "1.67 of 5 points"
    assert PAYLOAD in failure.text and "\\x00" in failure.text and "]]>" in failure.text
    assert float(cases[0].find("properties/property[@name='score']").get("value")) == 5 / 3
    assert "rejected file" in suite.find("system-out").text


# ----- JSON ------------------------------------------------------------------------------------------
def test_the_json_report_round_trips_exactly(result, tmp_path):
    path = reports.write_all(result, tmp_path, ["json"])["json"]
    assert GradingResult.from_dict(json.loads(path.read_text(encoding="ascii"))) == result
    assert json_report.render(result) == path.read_text(encoding="ascii")


# ----- the feedback pages: summary first, failures next, passes folded per task ----------------------
PAGE_HEADINGS = ["Scores by task", "About the submission",
                 "Failed tests", "Task 3.1: SGD — 1 of 2 failed", "Task 3.1: SGD — nesterov",
                 "Task 3.2: Adam — 1 of 1 failed", "Task 3.2: Adam — bias correction",
                 "Passed tests", "Task 3.1: SGD — 1 of 2 passed", "Task 3.10: bonus: AdamW — 1 of 1 passed",
                 "Plots"]


def test_each_task_has_a_status_in_words_and_its_tests_failures_first(result):
    assert [(task.label, task.status) for task in task_summaries(result)] == [
        ("Task 3.1: SGD", "partial"), ("Task 3.2: Adam", "zero"), ("Task 3.10: bonus: AdamW", "full")]
    failed, passed = failures_first(result)
    assert [task.heading("failed") for task in failed] == [PAGE_HEADINGS[3], PAGE_HEADINGS[5]]
    assert [task.heading("passed") for task in passed] == PAGE_HEADINGS[8:10]
    assert [test.name for test in failed[0].with_status("failed")] == ["Task 3.1: SGD — nesterov"]


def test_a_check_of_the_whole_submission_is_labelled_by_its_id():
    check = TestResult("files", "submission", 0.0, 0.0, "failed", "notes.txt was rejected")
    (summary,) = task_summaries(make_result([check]))
    assert (summary.heading("failed"), summary.status) == ("submission — 1 of 1 failed", "zero")


def test_markdown_page_has_the_total_the_task_table_and_the_failures_first(result):
    page = markdown.render(result)
    assert "**Score: 10.67 / 15 points (bonus: up to 4 more)**" in page
    assert ("| 3.1 | SGD | partial | 6.67 | 10 |\n| 3.2 | Adam | zero | 0 | 10 |\n"
            "| 3.10 | bonus: AdamW | full | 4 | 4 |") in page
    assert re.findall(r"^#{2,4} (.*)$", page, flags=re.MULTILINE) == PAGE_HEADINGS
    assert "**failed**: 1.67 / 5 points\n" in page and "**failed**: 0 / 10 points (hidden test)" in page
    assert "- Task 3.1: SGD — plain: 5 / 5 points\n" in page
    assert "text\npassed\n" not in page            # a pass's "passed" is said once, by its heading


def test_a_passed_tests_message_that_says_more_stays_under_it():
    tests = [TestResult("Task 4.3: attack — fgsm", "task4_3", 5.0, 5.0, "passed",
                        "the network scores 91.0% on the clean images\nand 4.0% on the adversarial ones")]
    graded = make_result(tests)
    item = "- Task 4.3: attack — fgsm: 5 / 5 points\n\n  ```text\n  the network scores 91.0%"
    assert item in markdown.render(graded)
    assert "<li>Task 4.3: attack — fgsm: 5 / 5 points\n<pre>the network scores 91.0%" in html.render(graded)


@pytest.mark.parametrize("render", [markdown.render, instructor.render], ids=["markdown", "instructor"])
def test_markdown_keeps_student_text_inside_a_fence_it_cannot_close(render, result):
    page = render(result)
    fenced = re.compile(r"^(`{3,})text\n(.*?)\n\1$", flags=re.DOTALL | re.MULTILINE)
    student = next(body for _, body in fenced.findall(page) if "param0" in body)
    assert PAYLOAD in student and "````" in student          # the fence is longer than the output's runs
    assert page.count(PAYLOAD) == 2        # the test's output and the rejected file's name, both fenced
    assert "<script" not in fenced.sub("", page)


def test_markdown_links_plots_relative_to_the_page(result, plot_files, tmp_path):
    page_path = reports.write_all(result, tmp_path / "feedback", ["markdown"])["markdown"]
    links = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", page_path.read_text(encoding="utf-8"))
    assert [name for name, _ in links] == ["confusion\\_matrix", "training\\_curve"]
    for name, link in links:
        assert not Path(unquote(link)).is_absolute()
        assert (page_path.parent / unquote(link)).resolve() == plot_files[name.replace("\\", "")].resolve()


# ----- HTML ------------------------------------------------------------------------------------------
def test_html_escapes_every_piece_of_student_text(result):
    page = html.render(result)
    assert "<script" not in page and page.count("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;") == 2
    assert "\x00" not in page and "\\x1b[31m" in page
    assert "default-src 'none'" in page


def test_html_escapes_names_and_titles_too(plot_files):
    test = TestResult(f"Task 3.1: {PAYLOAD}", "task3_1", 1.0, 1.0, "passed", "")
    result = make_result([test], artifacts={PAYLOAD: plot_files["confusion_matrix"]},
                         task_titles={"task3_1": PAYLOAD})
    assert "<script" not in html.render(result)


def test_html_embeds_the_plots_so_the_page_stands_alone(result, plot_files):
    page = html.render(result)
    sources = re.findall(r'<img alt="([^"]*)" src="([^"]*)"', page)
    assert [name for name, _ in sources] == ["confusion_matrix", "training_curve"]
    for name, source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]) == plot_files[name].read_bytes()
    assert "http" not in page.replace('http-equiv', "")


def test_html_refuses_an_artifact_that_is_not_an_image(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt: not an image"):
        html.render(make_result(artifacts={"notes": notes}))


def test_html_page_has_the_summary_first_the_failures_open_and_the_passes_folded(result):
    page = html.render(result)
    headings = re.findall(r"<(h[2-4]|summary)>(.*?)</\1>", page)
    assert [html_module.unescape(text) for _, text in headings] == PAGE_HEADINGS
    assert '<td class="status partial">partial</td>' in page and '<td class="status full">full</td>' in page
    assert re.search(r'class="test (\w+)"', page)[1] == "failed"
    assert re.findall(r"<details[^>]*>", page) == ['<details class="test passed">'] * 2      # closed
    assert "<pre>passed</pre>" not in page and "<script" not in page


# ----- terminal tables --------------------------------------------------------------------------------
def test_the_score_table_is_aligned_and_totals_the_tasks(result):
    lines = table.render(result).splitlines()
    assert lines[0] == "hw3_optimizers: Optimizers"
    body = lines[2:lines.index("", 2)]
    assert body[0].split() == ["Task", "Title", "Score", "Max"]
    assert body[2].split() == ["3.1", "SGD", "6.67", "10"]
    assert body[4].split() == ["3.10", "bonus:", "AdamW", "4", "4"]
    assert body[-1].split() == ["Total", "10.67", "15"]
    assert len({len(line) for line in body}) == 1      # right-aligned numbers end in the same column
    assert lines[-1] == "Score: 10.67 / 15 points (bonus: up to 4 more)"


def test_the_class_table_lists_students_in_order_with_a_dash_for_a_missing_task():
    full = make_result()
    partial = make_result([TestResult("Task 3.1: SGD — plain", "task3_1", 2.5, 5.0, "failed", "")])
    text = table.class_table({"zoe": full, "adam\x1b[2J": partial})
    lines = text.splitlines()
    assert lines[2].split() == ["Student", "3.1", "3.2", "3.10", "Total"]
    assert lines[4].split() == ["(max)", "10", "10", "4", "15"]
    assert lines[5].split() == ["adam\\x1b[2J", "2.5", "-", "-", "2.5"]
    assert lines[6].split() == ["zoe", "6.67", "0", "4", "10.67"]
    assert text == table.class_table({"adam\x1b[2J": partial, "zoe": full})


def test_the_class_table_shows_one_assignment_only():
    other = GradingResult("hw1_autodiff", "Autodiff", (), 10.0, 0.0, "", 0.0)
    with pytest.raises(ValueError, match="one assignment, got hw1_autodiff, hw3_optimizers"):
        table.class_table({"a": make_result(), "b": other})


# ----- plots -----------------------------------------------------------------------------------------
def test_plots_are_byte_identical_across_renders_and_carry_no_version(plot_files, tmp_path):
    again = tmp_path / "again.png"
    plots.training_curve({"train_loss": [1.2, 0.6, 0.45], "test_accuracy": [0.71, 0.8, 0.84]}, again)
    assert again.read_bytes() == plot_files["training_curve"].read_bytes()
    plots.confusion_matrix([[50, 3, 0], [4, 40, 6], [0, 5, 45]], ["shirt", "coat", "bag"], again)
    assert again.read_bytes() == plot_files["confusion_matrix"].read_bytes()
    assert again.read_bytes().startswith(b"\x89PNG") and b"matplotlib" not in again.read_bytes()


def test_a_training_curve_draws_the_checkpoints_of_a_stopped_training_at_their_epochs(tmp_path):
    stopped = {"test_accuracy": [0.82, 0.84, 0.86, 0.87, 0.88], "accuracy_epochs": [0.25, 0.5, 0.75, 1, 1.25]}
    plots.training_curve(stopped, tmp_path / "quarters.png")
    plots.training_curve({**stopped, "accuracy_epochs": [1, 2, 3, 4, 5]}, tmp_path / "epochs.png")
    quarters, epochs = ((tmp_path / name).read_bytes() for name in ("quarters.png", "epochs.png"))
    assert quarters.startswith(b"\x89PNG") and quarters != epochs, "the x-axis is the checkpoints' epochs"


def test_plots_refuse_inconsistent_data(tmp_path):
    with pytest.raises(ValueError, match="one loss and one accuracy per epoch, got 2 losses and 1"):
        plots.training_curve({"train_loss": [1.0, 0.5], "test_accuracy": [0.5]}, tmp_path / "a.png")
    with pytest.raises(ValueError, match="needs the training loss or the test accuracy"):
        plots.training_curve({}, tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"must have shape \(2, 2\), got \(2, 3\)"):
        plots.confusion_matrix([[1, 2, 3], [4, 5, 6]], ["a", "b"], tmp_path / "b.png")
    with pytest.raises(ValueError, match="finite counts"):
        plots.confusion_matrix([[1, -2], [3, 4]], ["a", "b"], tmp_path / "c.png")
