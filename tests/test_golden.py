"""Key figures of a small fixed scenario, compared with the stored golden file to the last digits.

Not bit for bit: a mean over claims is summed by pandas and numpy, whose summation order changed
between releases (pandas 3.1 moved two means of suspicious/1 by one unit in the 16th digit). A
relative 1e-12 allows that and nothing a change of the model makes: one claim decided otherwise
moves a mean by more than 1e-4.
"""

import json
import math
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))

from regenerate import golden_figures  # noqa: E402

DIGITS = 1e-12


def same(stored: float | None, now: float | None) -> bool:
    """Equal up to summation order; None is a NaN figure (JSON has no NaN)."""
    if stored is None or now is None:
        return stored is now
    return math.isclose(stored, now, rel_tol=DIGITS, abs_tol=DIGITS)


def test_key_figures_match_the_golden_file():
    stored = json.loads((GOLDEN / "small_figures.json").read_text())
    current = json.loads(json.dumps(golden_figures(), sort_keys=True))
    assert current.keys() == stored.keys()
    for run in stored:
        assert current[run].keys() == stored[run].keys(), run
        moved = {
            k: (stored[run][k], current[run][k])
            for k in stored[run]
            if not same(stored[run][k], current[run][k])
        }
        assert not moved, (
            f"{run}: figures moved (stored, now): {moved}; if intended, run "
            "tests/golden/regenerate.py and say why in the commit"
        )


def test_same_tells_a_moved_figure_from_summation_order():
    assert same(13.080954554492871, 13.080954554492873)
    assert not same(13.080954554492871, 13.0810)
    assert same(None, None) and not same(None, 0.0)
