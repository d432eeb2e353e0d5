"""The what-if page itself: the grid (views/whatif.py) put into one self-contained HTML file.

The page's HTML, CSS and script are whatif_page.html beside this module; this fills in its title,
notes and the grid as JSON.
"""

from __future__ import annotations

import json
import re
from html import escape
from importlib import resources
from pathlib import Path

from recoverysim.results import atomic_write, prepare_folder
from recoverysim.views.whatif import Grid


def grid_json(grid: Grid) -> str:
    """The grid as JSON that is safe inside a <script> element."""
    text = json.dumps(grid.as_json(), separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_title(description: str, name: str) -> str:
    """What the page is called on a projector: the first sentence of the scenario's description, its
    asides in brackets dropped, or the scenario's name in words when there is no description (a file
    slug is no title)."""
    first = _sentences(description)[0] if description.strip() else ""
    first = re.sub(r"\s*\([^()]*\)", "", first).strip().rstrip(".")
    return first or name.replace("-", " ").replace("_", " ").capitalize()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split())) if s]


def _rest_of_description(description: str) -> str:
    """The description after the sentence the title shows."""
    return " ".join(_sentences(description)[1:]) if description.strip() else ""


def page_template() -> str:
    """The page's HTML, CSS and script (whatif_page.html beside this module), with %NAME% marks for
    page_html."""
    return resources.files(__package__).joinpath("whatif_page.html").read_text(encoding="utf-8")


def page_html(grid: Grid) -> str:
    title = page_title(grid.description or "", grid.scenario)
    replications = f"{grid.replications} replication{'s' if grid.replications != 1 else ''}"
    note = (
        f"Every setting was simulated in advance: each figure is the mean of {replications} per "
        f"policy (seed {grid.seed}), so small differences may be noise. For 95 % intervals, run "
        "the full simulation (recoverysim run) with more replications."
    )
    return (
        page_template()
        .replace("%TITLE%", escape(f"What if? {title}"))
        .replace("%DESCRIPTION%", escape(_rest_of_description(grid.description or "")))
        .replace("%SMALLER%", _quick_notes(grid))
        .replace("%NOTE%", escape(note))
        .replace("%GRID%", grid_json(grid))
    )


def _quick_notes(grid: Grid) -> str:
    """The boxed sentences of a quicker page: a smaller market, staff held (none on a full page)."""
    notes = [("smaller-market", grid.smaller_market), ("held-staff", grid.held_staff)]
    return "\n".join(
        f'<p class="smaller" id="{name}">{escape(text)}</p>' for name, text in notes if text
    )


def write_page(grid: Grid, output: Path) -> Path:
    prepare_folder(output.parent if str(output.parent) else Path("."))
    html = page_html(grid)
    atomic_write(output, lambda p: p.write_text(html, encoding="utf-8"))
    return output
