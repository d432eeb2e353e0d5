"""How a report page is built: inline style, figures embedded as PNG with their captions, and
tables that scroll rather than run off the page.

Figures are embedded as base64 PNG, styles are inline, and nothing refers to the network, so the
file opens from an e-mail attachment. Every report kind builds its page with these.
"""

from __future__ import annotations

import base64
import io
import re
from html import escape

CAPTIONS = {
    "tradeoff": (
        "Cost over the horizon (x) against what each policy keeps (y); lower right to upper left "
        "is better. Bars are 95 % intervals; the dashed line joins the policies no other policy "
        "beats on both. In a sweep, each policy's points are joined in order, pale to full, and "
        "the ends are named; an axis that does not start at 0 says so."
    ),
    "over-time": (
        "Customers, their mean loyalty and the cumulative cost, day by day: mean across "
        "replications with a 95 % band."
    ),
    "money": (
        "Mean cost components per policy, stacked, beside the margin earned; on the right the "
        "claim costs alone, without staff."
    ),
    "claim-journeys": (
        "How long claims take to a decision (share decided within so many days) and how many "
        "contacts they need, honest and fraudulent claims apart."
    ),
    "word-of-mouth": (
        "Positive and negative impressions over time, and the prospects won or lost through them "
        "(95 % intervals)."
    ),
    "sweep-difference": (
        "Paired difference against the baseline policy as the varied parameter moves, with its "
        "95 % band; a dotted line marks where it crosses zero (break-even). Groups of the other "
        "parameters that give the same series are drawn once."
    ),
    "decomposition": (
        "Waterfall from the first policy to the second: each lever's Shapley value (its average "
        "effect when switched, over the orderings of the levers), stacked from zero to the total "
        "paired difference; error bars are 95 % intervals across replications."
    ),
    "sensitivity": (
        "Morris or Sobol design: the inputs ranked by how much they move the paired difference "
        "between policies, with 95 % bootstrap intervals."
    ),
    "tornado": (
        "One-at-a-time design: how far each parameter, moved alone to its low or high value, "
        "shifts the comparison; whiskers are 95 % intervals across the paired replications at each "
        "end, dotted lines the same at the base point."
    ),
}
STYLE = (
    "\n"
    'body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;'
    "max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}"
    "h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
    ".table-scroll{overflow-x:auto;max-width:100%;margin:1em 0}"
    ".table-scroll table{margin:0}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:.9em}"
    "table.wide{font-size:.8em}table.wide td.num{white-space:normal}"
    "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\n"
    "th{background:#f2f2f2}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.differs td{background:#fff6d6}tr.differs td:first-child{font-weight:bold}\n"
    "figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}"
    "figcaption{font-size:.9em;color:#444}\n"
    ".quote{border-left:4px solid #0072B2;padding:.2em 1em;margin:.6em 0;background:#f7fbff}\n"
    ".small{font-size:.85em;color:#555}"
    "pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.8em}\n"
)


def figure_png(figure) -> str:
    """A figure as a base64 PNG data URI (no 'Software' tag, so the file names no web address)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figures_html(figures: dict) -> str:
    parts = []
    for name, figure in figures.items():
        parts.append(
            f'<figure id="fig-{name}"><img alt="{escape(name)}" src="{figure_png(figure)}">'
            f"<figcaption>{escape(CAPTIONS.get(name, name))}</figcaption></figure>"
        )
    return "\n".join(parts)


#: From this many columns a table gets the smaller, wrapping style; every table sits in a scroll
#: container.
WIDE_COLUMNS = 6
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL)


def _fit_table(match: re.Match) -> str:
    """A table inside a horizontal scroll container, so three policies' columns never run off the
    page."""
    table = match.group(0)
    first_row = table.split("</tr>", 1)[0]
    columns = first_row.count("<th") + first_row.count("<td")
    if columns >= WIDE_COLUMNS and table.startswith("<table>"):
        table = '<table class="wide">' + table[len("<table>") :]
    return f'<div class="table-scroll">{table}</div>'


def html_page(title: str, body: str) -> str:
    body = _TABLE.sub(_fit_table, body)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
