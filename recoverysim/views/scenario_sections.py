"""The report sections every kind of results folder shares: the scenario read back from the
manifest, the world in plain words, the policy levers side by side, every assumption with its
source, and how to reproduce the run.

Every text that comes from a scenario file (names, descriptions) is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from pydantic import BaseModel

from recoverysim.errors import RecoverySimError
from recoverysim.params import parameter_rows
from recoverysim.scenario.provenance import DEFAULT
from recoverysim.scenario.schema import Policy, Scenario


def _plain(value) -> str:
    if isinstance(value, BaseModel):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.model_dump().items())
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (tuple, list)):
        return ", ".join(_plain(v) for v in value) or "none"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def levers_table(scenario: Scenario) -> str:
    """Every policy lever, one column per policy; rows where the policies differ are highlighted."""
    policies = scenario.policies
    head = "".join(f"<th>{escape(p.name)}</th>" for p in policies)
    rows = [
        "<tr><td>what it is</td>"
        + "".join(f"<td>{escape(p.description) or '—'}</td>" for p in policies)
        + "</tr>"
    ]
    for name, field in Policy.model_fields.items():
        # auto_sized is the staffing step's record, not a lever
        if name in ("name", "description", "auto_sized"):
            continue
        values = [_plain(getattr(p, name)) for p in policies]
        differs = len(set(values)) > 1
        rows.append(
            f'<tr class="{"differs" if differs else ""}">'
            f'<td title="{escape(field.description or "")}">{escape(name)}</td>'
            + "".join(f"<td>{escape(v)}</td>" for v in values)
            + "</tr>"
        )
    return f"<table><tr><th>lever</th>{head}</tr>{''.join(rows)}</table>"


def world_sentence(scenario: Scenario) -> str:
    m = scenario.market
    segments = "; ".join(
        f"{s.name} {100 * s.share:.0f} % (opportunists among customers "
        f"{100 * s.opportunist_share:.0f} %)"
        for s in m.segments
    )
    components = ", ".join(
        f"{c.name} ({c.failures_per_year:g} failures per year)" for c in scenario.product.components
    )
    return (
        f"{m.initial_customers:,} customers own the product at the start and {m.prospects:,} "
        f"prospects may buy, over {scenario.horizon_days} days. Segments: {segments}. Components: "
        f"{components}; warranty {scenario.product.warranty_days:g} days; price "
        f"{scenario.money.price_eur:g} EUR."
    )


def provenance(description: str) -> str:
    text = description or ""
    if "Source" in text or "Source:" in text:
        return "source"
    if "ssumption" in text:
        return "assumption"
    return "choice"


#: Sections and fields the assumptions table leaves out: tools' settings and names, not assumptions.
NOT_ASSUMPTIONS = ("whatif", "sweep", "schema_version", "name", "description")


def assumptions_table(scenario: Scenario, written: dict[str, str] | None = None) -> str:
    """Every parameter with who set it (scenario.provenance, as `recoverysim params` says) and its
    source.

    `written` is the manifest's record of what the file and --set wrote; without it (older results)
    only a value that differs from its default is told apart.
    """
    rows = []
    for row in parameter_rows(scenario, written):
        section = row.path.split(".")[0]
        if section in NOT_ASSUMPTIONS or row.path.endswith((".name", ".description")):
            continue
        kind = (
            provenance(row.description)
            if row.set_by == DEFAULT
            else "the scenario&#x27;s own value"
        )
        rows.append(
            f'<tr><td><code>{escape(row.path)}</code></td><td class="num">{escape(row.value)}</td>'
            f"<td>{escape(row.set_by)}</td><td>{kind}</td><td>{escape(row.description)}</td></tr>"
        )
    return (
        "<table><tr><th>parameter</th><th>value used</th><th>set by</th><th>kind</th>"
        "<th>meaning and source</th></tr>" + "".join(rows) + "</table>"
    )


def versions_table(manifest: dict) -> str:
    versions = manifest.get("versions", {})
    return (
        "<table>"
        + "".join(
            f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
            for k, v in versions.items()
        )
        + "</table>"
    )


def scenario_from_manifest(manifest: dict, folder: Path) -> Scenario | None:
    from recoverysim.errors import ScenarioError
    from recoverysim.scenario.load import scenario_from_dict

    if "scenario" not in manifest:
        return None
    try:
        return scenario_from_dict(manifest["scenario"], source=str(folder / "manifest.json"))
    except ScenarioError as error:
        raise RecoverySimError(
            f"{folder / 'manifest.json'}: the stored scenario no longer validates "
            f"({error.problems[0]})"
        ) from None


def reproduce_html(manifest: dict, scenario: Scenario | None) -> str:
    command = manifest.get("command") or "(not recorded)"
    seed = scenario.seed if scenario else manifest.get("seed")
    return (
        f"<p>Command: <code>{escape(command)}</code><br>Seed: <code>{escape(str(seed))}</code>; "
        f"replications per policy: {escape(str(manifest.get('replications', 'n/a')))}; run from "
        f"{escape(str(manifest.get('started', '?')))} to "
        f"{escape(str(manifest.get('finished', '?')))}.</p>"
        "<p>The same command with the same package versions gives the same numbers. Versions:</p>"
        + versions_table(manifest)
    )
