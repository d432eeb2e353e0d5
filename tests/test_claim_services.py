"""A claim process sees the narrow ClaimServices of its world (model/services.py), not the world:
claims.py asks only for those members, never imports world.py, and World provides each of them."""

from __future__ import annotations

import ast
from pathlib import Path

from recoverysim.model import claims
from recoverysim.model.services import CLAIM_SERVICES
from recoverysim.model.world import World
from recoverysim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "golden" / "small.yaml"


def claim_module_tree() -> ast.Module:
    return ast.parse(Path(claims.__file__).read_text(encoding="utf-8"))


def test_claims_asks_the_world_only_for_its_services():
    asked = {
        node.attr
        for node in ast.walk(claim_module_tree())
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "world"
    }
    assert asked, "claims.py no longer names its world 'world': update this test"
    assert asked <= set(CLAIM_SERVICES), sorted(asked - set(CLAIM_SERVICES))


def test_claims_does_not_import_the_world():
    imported = set()
    for node in ast.walk(claim_module_tree()):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "recoverysim.model.world" not in imported


def test_the_world_provides_every_service():
    scenario = load_scenario(SMALL)
    world = World(scenario, scenario.policies[0], 0)
    missing = [name for name in CLAIM_SERVICES if not hasattr(world, name)]
    assert not missing, missing
