"""Scenario files as users write them: YAML 1.2, extends, --set, validate, show and schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import TINY_SCENARIO
from recoverysim.errors import ScenarioError
from recoverysim.scenario import Policy, Scenario, load_scenario, scenario_from_dict

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def problems_of(path: Path | str, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return [str(problem) for problem in caught.value.problems]


# --- YAML 1.2 -------------------------------------------------------------------------------------


def test_yaml_1_2_keeps_no_on_off_as_strings(write_scenario, cli):
    """Under YAML 1.1 `no` would be False and the policy would have no name; 1.2 keeps the words."""
    path = write_scenario("""\
        name: words
        description: off
        policies:
          - name: no
          - name: on
            extends: no
          - name: off
          - name: yes
        """)
    scenario = load_scenario(path)
    assert [p.name for p in scenario.policies] == ["no", "on", "off", "yes"]
    assert scenario.description == "off"
    assert load_scenario(path, ["policies.no.goodwill_eur=4"]).policy("on").goodwill_eur == 4
    assert cli("validate", path).output == f"OK {path}\n"


def test_anchors_and_merge_keys_work_and_keep_lines(write_scenario):
    path = write_scenario("""\
        channels:
          phone: &desk
            staff: 3
            service_minutes_mean: 6
          store:
            <<: *desk
            staff: -1
        policies:
          - name: a
        """)
    assert problems_of(path) == ["s.yaml:7: channels.store.staff: must be >= 0 (got -1)"]
    scenario = load_scenario(path, ["channels.store.staff=1"])
    assert (
        scenario.channels.store.service_minutes_mean
        == 6
        == scenario.channels.phone.service_minutes_mean
    )


# --- policy extends -------------------------------------------------------------------------------

PARENT_AND_CHILD = """\
    policies:
      - name: careful
        description: the parent
        evidence: photo
        return_for_inspection: true
        remedy: refund
        goodwill_eur: 12
        inspection:
          technicians: 3
          sensitivity: 0.8
      - name: stricter
        extends: careful
        evidence: photo_and_receipt
        inspection:
          sensitivity: 0.95
    """


def test_policy_extends_overrides_only_what_differs(write_scenario):
    scenario = load_scenario(write_scenario(PARENT_AND_CHILD))
    parent, child = scenario.policy("careful"), scenario.policy("stricter")
    assert child.evidence == "photo_and_receipt"
    assert child.inspection.sensitivity == 0.95
    assert child.inspection.technicians == 3  # nested sections merge too
    differ = {"name", "evidence", "inspection"}
    assert {k: v for k, v in child.model_dump().items() if k not in differ} == {
        k: v for k, v in parent.model_dump().items() if k not in differ
    }
    assert child.inspection.model_dump() == {**parent.inspection.model_dump(), "sensitivity": 0.95}


def test_policy_extends_chains_in_any_order(write_scenario):
    scenario = load_scenario(
        write_scenario("""\
        policies:
          - name: c
            extends: b
            remedy: refund
          - name: b
            extends: a
            goodwill_eur: 5
          - name: a
            evidence: none
            goodwill_eur: 1
        """)
    )
    c = scenario.policy("c")
    assert (c.evidence, c.goodwill_eur, c.remedy) == ("none", 5, "refund")
    assert scenario.policy("a").goodwill_eur == 1


def test_errors_in_extending_policies_point_at_the_line_written(write_scenario):
    """An inherited bad value is reported at the parent's line; the child's own at the child's."""
    path = write_scenario("""\
        policies:
          - name: a
            goodwill_eur: -5
            remedy: refund
          - name: b
            extends: a
            shipping_days: -1
            inspection:
              specificity: 3
        """)
    assert problems_of(path) == [
        "s.yaml:3: policies.0.goodwill_eur: must be >= 0 (got -5)",
        "s.yaml:3: policies.1.goodwill_eur: must be >= 0 (got -5)",
        "s.yaml:7: policies.1.shipping_days: must be >= 0 (got -1)",
        "s.yaml:9: policies.1.inspection.specificity: must be <= 1 (got 3)",
    ]


# --- scenario extends -----------------------------------------------------------------------------

BASE = """\
    name: base
    horizon_days: 90
    channels:
      phone:
        staff: 4
        service_minutes_mean: 9
    product:
      components:
        - name: device
        - name: strap
    policies:
      - name: trusting
        evidence: none
        goodwill_eur: 10
      - name: suspicious
        evidence: photo_and_receipt
        return_for_inspection: true
    """

CHILD = """\
    extends: common/base.yaml
    name: child
    horizon_days: 45
    channels:
      phone:
        service_minutes_mean: 5
    policies:
      - name: suspicious
        excluded_components: [strap]
      - name: generous
        extends: trusting
        goodwill_eur: 25
    """


def test_scenario_extends_a_base_file_and_merges_policies_by_name(write_scenario):
    write_scenario(BASE, "common/base.yaml")
    scenario = load_scenario(write_scenario(CHILD, "child.yaml"))
    assert (scenario.name, scenario.horizon_days) == ("child", 45)
    assert (scenario.channels.phone.staff, scenario.channels.phone.service_minutes_mean) == (4, 5)
    assert [p.name for p in scenario.policies] == ["trusting", "suspicious", "generous"]
    suspicious = scenario.policy("suspicious")
    assert (
        suspicious.evidence,
        suspicious.return_for_inspection,
        suspicious.excluded_components,
    ) == ("photo_and_receipt", True, ("strap",))
    assert scenario.policy("generous").evidence == "none"
    assert scenario.policy("generous").goodwill_eur == 25


def test_a_base_may_extend_its_own_base_relative_to_itself(write_scenario):
    write_scenario("seed: 77\nreplications: 3\n", "root.yaml")
    write_scenario("extends: ../root.yaml\n" + textwrap.dedent(BASE), "common/base.yaml")
    scenario = load_scenario(write_scenario(CHILD, "child.yaml"))
    assert (scenario.seed, scenario.replications, scenario.horizon_days) == (77, 3, 45)


def test_errors_name_the_file_they_are_in(write_scenario):
    write_scenario(BASE.replace("staff: 4", "staff: -4"), "common/base.yaml")
    child = write_scenario(CHILD.replace("goodwill_eur: 25", "goodwill_eur: -25"), "child.yaml")
    assert problems_of(child) == [
        "child.yaml:12: policies.2.goodwill_eur: must be >= 0 (got -25)",
        "common/base.yaml:5: channels.phone.staff: must be >= 0 (got -4)",
    ]


def test_whole_scenario_checks_point_at_the_merged_item_in_the_child(write_scenario):
    write_scenario(BASE, "common/base.yaml")
    child = write_scenario(
        CHILD.replace("excluded_components: [strap]", "excluded_components: [strap, lid]"),
        "child.yaml",
    )
    assert problems_of(child) == [
        "child.yaml:9: policies.1.excluded_components.1: no component of this name; components "
        "are device, strap (got 'lid')"
    ]


def test_a_missing_required_field_is_reported_in_the_named_file(write_scenario):
    write_scenario("name: base\n", "base.yaml")
    assert problems_of(write_scenario("extends: base.yaml\nseed: 3\n", "child.yaml")) == [
        "child.yaml:1: policies: is required but not written"
    ]


# --- --set ----------------------------------------------------------------------------------------


def test_set_reaches_nested_fields_and_list_items_by_name_or_index(write_scenario):
    path = write_scenario(TINY_SCENARIO + "    inspection:\n      technicians: 2\n")
    scenario = load_scenario(
        path,
        [
            "channels.phone.staff=7",
            "policies.suspicious.inspection.sensitivity=0.5",
            "policies.0.goodwill_eur=3",
            "policies.-1.remedy=refund",
            "policies.suspicious.excluded_components=[strap]",
            "policies.trusting.status_update_every_days=null",
            "name=renamed",
        ],
    )
    assert scenario.channels.phone.staff == 7
    assert (
        scenario.channels.chat == Scenario.model_fields["channels"].default_factory().chat
    )  # siblings keep defaults
    suspicious = scenario.policy("suspicious")
    assert (suspicious.inspection.sensitivity, suspicious.inspection.technicians) == (0.5, 2)
    assert (suspicious.remedy, suspicious.excluded_components) == ("refund", ("strap",))
    assert scenario.policy("trusting").goodwill_eur == 3
    assert scenario.policy("trusting").status_update_every_days is None
    assert scenario.name == "renamed"


def test_set_list_items_of_a_written_list(write_scenario):
    path = write_scenario("""\
        market:
          segments:
            - name: careful
              share: 0.6
            - name: bold
              share: 0.4
        policies:
          - name: a
        """)
    scenario = load_scenario(
        path, ["market.segments.careful.share=0.5", "market.segments.1.share=0.5"]
    )
    assert [s.share for s in scenario.market.segments] == [0.5, 0.5]
    assert problems_of(path, ("market.segments.bold.share=0.5",)) == [
        "s.yaml:1: market: segment shares must sum to 1 (they sum to 1.1) (got {'segments': "
        "[{...}, {...}]})"
    ]


def test_set_applies_before_policy_extends(write_scenario):
    """Setting a parent's field reaches children that inherit it, not those that override it."""
    path = write_scenario(
        textwrap.dedent(PARENT_AND_CHILD) + "  - name: plain\n    extends: careful\n"
    )
    scenario = load_scenario(
        path,
        [
            "policies.careful.evidence=none",
            "policies.careful.goodwill_eur=1",
            "policies.stricter.goodwill_eur=2",
        ],
    )
    assert [(p.name, p.evidence, p.goodwill_eur) for p in scenario.policies] == [
        ("careful", "none", 1),
        ("stricter", "photo_and_receipt", 2),
        ("plain", "none", 1),
    ]


def test_set_errors_replace_the_file_line(write_scenario):
    path = write_scenario("channels:\n  phone:\n    staff: 3\npolicies:\n  - name: a\n")
    assert problems_of(path, ("channels.phone={staff: -2}",)) == [
        "--set channels.phone={staff: -2}: channels.phone.staff: must be >= 0 (got -2)"
    ]


# --- validate, show, schema -----------------------------------------------------------------------


def test_validate_prints_ok_for_each_good_file(write_scenario, cli):
    first, second = (
        write_scenario(TINY_SCENARIO, "a.yaml"),
        write_scenario(PARENT_AND_CHILD, "b.yaml"),
    )
    result = cli("validate", first, second)
    assert (result.exit_code, result.output) == (0, "OK a.yaml\nOK b.yaml\n")


def test_validate_mixed_files_prints_every_problem_and_exits_2(write_scenario, cli):
    good = write_scenario(TINY_SCENARIO, "good.yaml")
    bad = write_scenario(
        "seed: -1\npolicies:\n  - name: a\n    goodwil_eur: 3\n    remedy: hug\n", "bad.yaml"
    )
    broken = write_scenario("policies: [\n", "broken.yaml")
    result = cli("validate", bad, good, broken)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "bad.yaml:1: seed: must be >= 0 (got -1)",
        "bad.yaml:4: policies.0.goodwil_eur: unknown key; did you mean 'goodwill_eur'?",
        "bad.yaml:5: policies.0.remedy: must be 'repair', 'replace' or 'refund' (got 'hug')",
        "OK good.yaml",
        "broken.yaml:2: YAML error at column 1: expected the node content, but found '<stream "
        "end>'",
    ]


@pytest.mark.parametrize(
    "overrides",
    [(), ("policies.generous.goodwill_eur=30", "channels.email.patience_minutes_mean=null")],
)
def test_show_output_validates_and_resolves_to_the_same_scenario(write_scenario, cli, overrides):
    write_scenario(BASE, "common/base.yaml")
    child = write_scenario(CHILD.replace("name: generous", "name: no"), "child.yaml")
    sets = [arg for o in overrides for arg in ("--set", o.replace("generous", "no"))]
    shown = cli("show", child, *sets)
    assert shown.exit_code == 0, shown.output
    again = write_scenario(shown.output, "shown.yaml")
    assert cli("validate", again).output == "OK shown.yaml\n"
    original = load_scenario(child, [o.replace("generous", "no") for o in overrides])
    assert load_scenario(again) == original
    assert cli("show", again).output == shown.output  # showing is idempotent
    assert "extends" not in shown.output


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_show_round_trips_each_shipped_scenario(path: Path, in_tmp, cli):
    shown = cli("show", path)
    Path("shown.yaml").write_text(shown.output, encoding="utf-8")
    assert load_scenario("shown.yaml") == load_scenario(path)


def test_schema_is_json_schema_with_every_policy_field(cli):
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    definitions = schema["$defs"]
    policy = definitions["Policy"]
    assert set(Policy.model_fields) | {"extends"} == set(policy["properties"])
    assert set(Scenario.model_fields) | {"extends"} == set(schema["properties"])
    assert policy["additionalProperties"] is False and policy["required"] == ["name"]
    assert policy["properties"]["first_contact_resolution_probability"]["maximum"] == 1
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            refs.update(v for k, v in node.items() if k == "$ref")
            [collect(v) for v in node.values()]
        elif isinstance(node, list):
            [collect(v) for v in node]

    collect(schema)
    assert refs and all(
        ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in definitions for ref in refs
    )
    types = {"object", "array", "string", "number", "integer", "boolean", "null"}
    assert all(
        p.get("type", "object") in types
        for d in definitions.values()
        for p in d.get("properties", {}).values()
    )


def test_shipped_scenarios_all_validate(cli):
    assert SHIPPED, "no scenarios shipped"
    result = cli("validate", *SHIPPED)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"OK {p}" for p in SHIPPED]


# --- the Python API -------------------------------------------------------------------------------


def test_scenario_errors_are_located_in_the_python_api():
    data = {
        "product": {"components": [{"name": "device"}]},
        "policies": [{"name": "a"}, {"name": "a", "excluded_components": ["device", "lid"]}],
    }
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert [(p.path, p.got) for p in caught.value.problems] == [
        ("policies.1.name", "'a'"),
        ("policies.1.excluded_components.1", "'lid'"),
    ]
    assert data["policies"][1]["excluded_components"] == [
        "device",
        "lid",
    ]  # the caller's data is not touched


@pytest.mark.parametrize(
    "data", [[1, 2], "text", None, {"policies": [{"name": "a", "extends": {"x": 1}}]}]
)
def test_scenario_from_dict_rejects_odd_data_cleanly(data):
    with pytest.raises(ScenarioError):
        scenario_from_dict(data)


def test_unprintable_keys_stay_on_one_line(write_scenario):
    path = write_scenario('"bad\\nkey": 1\npolicies:\n  - name: a\n')
    [problem] = problems_of(path)
    assert "\n" not in problem and problem.startswith("s.yaml:1: 'bad\\nkey': unknown key")


def test_a_deeply_nested_dict_is_refused_before_it_is_copied():
    """scenario_from_dict walks the data without recursion, so 10,000 levels give one clear
    problem."""
    deep: dict = {}
    inner = deep
    for _ in range(10_000):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"policies": [{"name": "a"}], "extra": deep})
    assert [str(p) for p in caught.value.problems] == ["<dict>: nesting deeper than 64 levels"]


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "by-the-book",
        "TARP minor fixed quickly",
        "first-agent resolution (SQM)",
        "p+q",
        "café",
        "x" * 64,
    ],
)
def test_names_of_the_documented_pattern_validate(name):
    assert scenario_from_dict({"policies": [{"name": name}]}).policies[0].name == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "a ",
        " a",
        "x" * 65,
        "../../x",
        "a/b",
        "a\\b",
        "a\x00b",
        "a\nb",
        "_a",
        ".a",
        "a..b",
        "x\u202ey",
    ],
)
def test_names_outside_the_pattern_are_refused_in_the_projects_words(name):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"policies": [{"name": name}]})
    [problem] = caught.value.problems
    assert problem.path == "policies.0.name" and problem.message.startswith(
        "a name is 1 to 64 letters"
    )
    assert "String should" not in problem.message and "Value error" not in problem.message
