"""The wallboard's tables in a real browser at common screen widths: each column's name and each
short figure (a state, how long, a load, a wait, a score) on one line. Until 2026-12-07 the
queues' "LONGEST WAIT" broke in two at 1600 and 1680 px, and the agents' "1 min 24 s" and
"0 / 1" at 1024, 1600, 1680 and 1920 px, while the names beside them had room."""

from __future__ import annotations

import pytest
from tests.web.browser import CHROMIUM
from tests.web.support import _a_day, _board

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

#: The cells that should read on one line and take more than one: "table: text (lines)".
BROKEN = """() => {
  const short = {agents: [1, 2, 3], queues: [1, 2, 3], moments: [1]};
  const out = [];
  for (const [name, columns] of Object.entries(short)) {
    const table = document.querySelector(`[data-testid="${name}"]`);
    const cells = [...table.querySelectorAll('thead th')];
    table.querySelectorAll('tbody tr').forEach(row => columns.forEach(k => {
      if (row.children[k] && row.children.length > k + 1) cells.push(row.children[k]);
    }));
    cells.forEach(cell => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      const line = parseFloat(getComputedStyle(cell).lineHeight);
      const lines = range.getBoundingClientRect().height / line;
      if (lines > 1.5) out.push(`${name}: ${cell.textContent.trim()} (${Math.round(lines)})`);
    });
  }
  return out;
}"""


@pytest.mark.parametrize(
    "width, height", [(1024, 768), (1366, 768), (1600, 900), (1680, 1050), (1920, 1080)]
)
def test_the_boards_column_names_and_short_figures_read_on_one_line(
    browser: Browser,
    server: str,
    width: int,
    height: int,
) -> None:
    _a_day(server)  # waiting contacts in two queues, an agent with work
    page = _board(browser, server, width, height)
    expect(page.locator('[data-testid="queues"] tbody tr').first).to_be_visible()
    assert page.evaluate(BROKEN) == []
    # Nothing got wider than its card for it.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    clipped = page.evaluate(
        "() => Array.from(document.querySelectorAll('main section, main .card'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)"
    )
    assert clipped == [], clipped


def test_the_days_figures_read_on_one_row_on_a_1366_px_wallboard(
    browser: Browser,
    server: str,
) -> None:
    """Until 2026-12-07 "HANDLE TIME, MOMENTS (APART)" fell alone to a second row under the
    moments won: the two handle times are one figure now, "routine 5 min 12 s · moments 7 min"."""
    _a_day(server)
    page = _board(browser, server, 1366, 768)
    items = page.get_by_test_id("figures").locator(":scope > div")
    expect(items.first).to_be_visible()
    tops = {round(box["y"]) for box in (i.bounding_box() for i in items.all()) if box}
    assert len(tops) == 1, tops
    handle = page.get_by_test_id("handle-time")
    expect(handle).to_contain_text("routine")
    expect(handle).to_contain_text("moments")
