"""Scenario files: the frozen schema and the loader that validates YAML into it."""

from recoverysim.scenario.load import load_scenario, scenario_from_dict, scenario_to_dict
from recoverysim.scenario.schema import Channel, Policy, Scenario

__all__ = [
    "Channel",
    "Policy",
    "Scenario",
    "load_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]
