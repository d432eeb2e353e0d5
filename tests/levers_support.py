"""Small scenarios for the lever tests: a base world where every mechanism is busy, and patches to
it."""

from __future__ import annotations

import copy
import math

from recoverysim.engine import ReplicationResult, run_replication
from recoverysim.scenario.schema import Inspection, Policy, Scenario

BASE = {
    "name": "levers",
    "horizon_days": 365,
    "seed": 11,
    "replications": 1,
    "market": {
        "initial_customers": 1500,
        "prospects": 500,
        "segments": [
            {
                "name": "everyone",
                "share": 1.0,
                "opportunist_share": 0.1,
                "fraud_attempts_per_year": 0.4,
                "public_post_probability": 0.3,
            }
        ],
    },
    "product": {
        "components": [
            {"name": "device", "failures_per_year": 0.25},
            {"name": "strap", "failures_per_year": 0.1},
        ]
    },
    "channels": {
        "phone": {"staff": 2, "partner_handoff_probability": 0.3},
        "chat": {"partner_handoff_probability": 0.3},
    },
}

#: Every lever of a policy, as the dotted names the tests and the warnings use.
LEVERS = tuple(
    [
        name
        for name in Policy.model_fields
        if name not in ("name", "description", "inspection", "auto_sized")
    ]
    + [f"inspection.{name}" for name in Inspection.model_fields]
)


def merged(base: dict, patch: dict) -> dict:
    """`base` with `patch` laid over it, dicts merged key by key, everything else replaced."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def with_lever(policy: dict, lever: str, value: object) -> dict:
    """A policy dict with one lever (dotted for inspection.*) set."""
    if lever.startswith("inspection."):
        return merged(policy, {"inspection": {lever.split(".", 1)[1]: value}})
    return {**policy, lever: value}


def scenario_of(world: dict, policies: list[dict], segment: dict | None = None) -> Scenario:
    """The base world patched by `world` (and its one segment by `segment`), with these policies."""
    data = merged(BASE, world)
    if segment:
        data["market"]["segments"] = [{**data["market"]["segments"][0], **segment}]
    return Scenario.model_validate({**data, "policies": policies})


def run(scenario: Scenario, policy: str, replication: int = 0) -> ReplicationResult:
    return run_replication(scenario, policy, replication)


def same_number(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
