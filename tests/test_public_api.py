"""The public API is deliberate: __all__ names exist, and the notebook example in the package
docstring runs."""

import recoverysim as rs


def test_every_public_name_exists():
    assert sorted(rs.__all__) == sorted(set(rs.__all__))
    for name in rs.__all__:
        assert hasattr(rs, name), name


def test_a_notebook_needs_no_cli(tmp_path):
    scenario = rs.scenario_from_dict(
        {
            "name": "nb",
            "horizon_days": 60,
            "replications": 2,
            "market": {"initial_customers": 500, "prospects": 200},
            "policies": [
                {"name": "trusting", "evidence": "none"},
                {"name": "suspicious", "return_for_inspection": True},
            ],
        }
    )
    result = rs.run_experiment(scenario, executor="serial")
    assert set(result.summary["policy"]) == {"trusting", "suspicious"}
    assert set(result.summary["metric"]) == set(rs.KEY_FIGURES)
    rs.write_results(result, tmp_path, started="2026-01-01T00:00:00+00:00")
    stored = rs.read_results(tmp_path)
    assert len(stored.replications) == 4 and len(stored.claims) == len(result.claims)
    assert list(result.selection.columns[:6]) == [
        "metric",
        "policy",
        "diff_from_best",
        "mcb_low",
        "mcb_high",
        "probability_best",
    ]
    assert set(result.selection["metric"]) == {
        f for f in rs.KEY_FIGURES if rs.better_direction(f) is not None
    }
    assert stored.selection[["metric", "policy"]].equals(result.selection[["metric", "policy"]])
    assert rs.selection_table(result.replications, result.policies).equals(result.selection)


def test_the_public_names_are_deliberate():
    assert {
        "decompose_policies",
        "Decomposition",
        "find_breakeven",
        "run_experiment",
        "run_sweep",
        "selection_table",
        "better_direction",
    } <= set(rs.__all__)
