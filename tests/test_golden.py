"""Key figures of a small fixed scenario, compared exactly with the stored golden file."""

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))

from regenerate import golden_figures  # noqa: E402


def test_key_figures_match_the_golden_file_exactly():
    stored = json.loads((GOLDEN / "small_figures.json").read_text())
    current = json.loads(json.dumps(golden_figures(), sort_keys=True))
    assert current.keys() == stored.keys()
    for run in stored:
        moved = {
            k: (stored[run][k], current[run].get(k))
            for k in stored[run]
            if stored[run][k] != current[run].get(k)
        }
        assert not moved, (
            f"{run}: figures moved (stored, now): {moved}; if intended, run "
            "tests/golden/regenerate.py and say why in the commit"
        )
