"""The building blocks of every scenario section: immutable models and fields that say where defaults come from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base for every section: immutable, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def probability(default: float, why: str) -> float:
    return Field(default, ge=0.0, le=1.0, description=why)


def nonnegative(default: float, why: str, upper: float = 1e9) -> float:
    return Field(default, ge=0.0, le=upper, description=why)


def refuse_removed_fields(data, removed: dict[str, str]):
    """Say what replaced a field of version 0.1 instead of only 'extra inputs are not permitted'."""
    if isinstance(data, dict):
        for name, replacement in removed.items():
            if name in data:
                raise ValueError(f"{name} was removed in version 0.2 ({replacement})")
    return data
