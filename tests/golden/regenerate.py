"""Rewrite small_figures.json from the current model. Say why in the commit message."""

import json
from pathlib import Path

from recoverysim import load_scenario, run_experiment

HERE = Path(__file__).parent


def golden_figures() -> dict:
    scenario = load_scenario(HERE / "small.yaml")
    result = run_experiment(scenario, executor="serial")
    table = result.replications.set_index(["policy", "replication"])
    return {
        f"{policy}/{replication}": {k: (None if v != v else v) for k, v in row.items()}
        for (policy, replication), row in table.to_dict("index").items()
    }


if __name__ == "__main__":
    (HERE / "small_figures.json").write_text(
        json.dumps(golden_figures(), indent=1, sort_keys=True) + "\n"
    )
