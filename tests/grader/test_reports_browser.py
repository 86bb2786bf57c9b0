"""The student's HTML feedback page in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright opens the page of examples/hw1_partial as the grader grades it, and checks
what a student sees: the title and the score table, the failures before the passes, the passes
folded until a click, and nothing wider than the window at a desktop's and a phone's width.

Skipped, with the reason, where no Chromium is installed, unless MYTORCH_REQUIRE_BROWSER=1 (as in CI):
then it fails. Screenshots go to pytest's tmp_path.
"""
import dataclasses
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from autograder.reports import html

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hw1_partial"
WIDTHS = {"desktop": 1280, "phone": 375}
# A note with a line no word break can split: a file name as long as a student may make it.
LONG_NAME = "ignored: " + "a_very_long_file_name_" * 20 + ".py"

# Every element that is wider than its box (its content scrolls inside it) or sticks out to the right
# of the window, as "tag.class: width": an empty list when nothing overflows horizontally.
OVERFLOWING = """() => {
    const window_width = document.documentElement.clientWidth;
    return [...document.querySelectorAll("*")]
        .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                     || e.getBoundingClientRect().right > window_width + 1)
        .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth}px in ${e.clientWidth}px, `
                  + `right edge at ${e.getBoundingClientRect().right}px of ${window_width}px`);
}"""


@pytest.fixture(scope="module")
def graded(graders):
    """The result of examples/hw1_partial, graded by the real grader."""
    return graders("hw1").grade(EXAMPLE)


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_playwright() as playwright:
        headless = playwright.chromium.launch(executable_path=chromium)
        yield headless
        headless.close()


def open_page(browser, result, folder, width):
    """A browser tab of ``width`` CSS pixels showing ``result``'s feedback page, written in ``folder``."""
    path = folder / html.FILE_NAME
    html.write(result, path)
    tab = browser.new_page(viewport={"width": width, "height": 900})
    tab.goto(path.as_uri())
    return tab


def test_the_page_shows_the_scores_first_then_the_failures_then_the_passes(browser, graded, tmp_path):
    tab = open_page(browser, graded, tmp_path, WIDTHS["desktop"])
    assert tab.title() == "hw1_autodiff: feedback"
    assert tab.locator("h2").first.inner_text() == "Scores by task" and tab.locator("table").is_visible()
    assert tab.locator("tbody tr").count() == 11
    assert tab.locator("td.status").all_inner_texts()[4:7] == ["partial", "full", "zero"]   # 1.5 to 1.7
    first = tab.locator(".test").first
    assert "failed" in first.get_attribute("class").split() and first.is_visible()
    assert first.locator("h4").inner_text().startswith("Task 1.5: ")
    assert tab.evaluate("""() => document.querySelector(".test")
                                .compareDocumentPosition(document.querySelector("details"))
                             & Node.DOCUMENT_POSITION_FOLLOWING""")
    tab.screenshot(path=tmp_path / "top.png")


def test_the_passes_are_folded_per_task_and_open_on_a_click(browser, graded, tmp_path):
    tab = open_page(browser, graded, tmp_path, WIDTHS["desktop"])
    folds = tab.locator("details")
    assert folds.count() == 6                   # Tasks 1.1 to 1.6, with Task 1.5's two passes
    assert not any(fold.evaluate("fold => fold.open") for fold in folds.all())
    fold = folds.first
    assert fold.locator("summary").inner_text() == "Task 1.1: topological sort — 4 of 4 passed"
    assert not fold.locator("li").first.is_visible()
    fold.locator("summary").click()
    assert fold.evaluate("fold => fold.open") and fold.locator("li").first.is_visible()
    assert fold.locator("li").count() == 4
    tab.screenshot(path=tmp_path / "opened.png", full_page=True)


@pytest.mark.parametrize("long_line", [False, True], ids=["as-graded", "with-a-long-unbroken-line"])
@pytest.mark.parametrize("device", WIDTHS)
def test_nothing_is_wider_than_the_window(browser, graded, device, long_line, tmp_path):
    result = dataclasses.replace(graded, feedback=LONG_NAME) if long_line else graded
    tab = open_page(browser, result, tmp_path, WIDTHS[device])
    tab.evaluate("() => document.querySelectorAll('details').forEach(fold => fold.open = true)")
    tab.screenshot(path=tmp_path / f"{device}.png", full_page=True)
    assert tab.evaluate(OVERFLOWING) == []
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[device]
