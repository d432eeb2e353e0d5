"""The targets file (YAML): its schema, and its problems told as `FILE:LINE: path: message (got X)`.

A target names a figure, the policy it was observed under and exactly one observation: a `share`
(successes of trials), a `mean` (value with its standard error) or a `rate` (events in an exposure).
The file is read with the scenario reader (YAML 1.2, line numbers, alias guard) and validated with
pydantic; pydantic's messages are turned into the project's words here.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal

import pydantic
from pydantic import Field, field_validator, model_validator

from recoverysim.calibration.target_types import (
    CLAIM_FIGURES,
    FIGURES,
    REPURCHASE_FIGURE,
    SHARE_FIGURES,
    Target,
)
from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.fields import Frozen, Label, Name
from recoverysim.scenario.messages import in_our_words as scenario_words
from recoverysim.scenario.yaml_source import Located, dotted, parse_yaml, read_text, shorten

MAX_TARGETS_FILE_BYTES = 1_000_000
"""Assumption: a targets file holds tens of targets (a few kB); a megabyte is not a targets file."""
MAX_COUNT = 10**12
OutcomeClass = Literal["fast_fix", "slow_fix", "denied", "abandoned", "silent_failure"]


class ShareObservation(Frozen):
    """`successes` of `trials` (e.g. 312 of 1,240 claimants bought again)."""

    successes: int = Field(ge=0, le=MAX_COUNT)
    trials: int = Field(ge=1, le=MAX_COUNT)

    @model_validator(mode="after")
    def _successes_within_trials(self) -> ShareObservation:
        if self.successes > self.trials:
            raise ValueError(f"successes ({self.successes}) cannot exceed trials ({self.trials})")
        return self


class MeanObservation(Frozen):
    """A mean and its standard error (the standard deviation of the observations over the root of
    their number)."""

    value: float = Field(ge=-1e12, le=1e12)
    standard_error: float = Field(gt=0.0, le=1e12)


class RateObservation(Frozen):
    """`events` counted in `exposure` units (e.g. 1,810 contacts in 1,000 claims)."""

    events: int = Field(ge=0, le=MAX_COUNT)
    exposure: float = Field(gt=0.0, le=1e12)


class TargetEntry(Frozen):
    """One target as written in the file."""

    name: Label
    figure: str
    policy: Name
    share: ShareObservation | None = None
    mean: MeanObservation | None = None
    rate: RateObservation | None = None
    outcome_class: OutcomeClass | None = None
    severity: Literal["minor", "major"] | None = None
    segment: Name | None = None
    world: str | None = Field(None, min_length=1)
    source: str | None = None
    confidence: str | None = None

    @field_validator("figure")
    @classmethod
    def _known_figure(cls, figure: str) -> str:
        if figure not in FIGURES:
            close = difflib.get_close_matches(figure, FIGURES, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else "; docs/calibration.md lists the figures"
            )
            raise ValueError(f"unknown figure{hint}")
        return figure

    @model_validator(mode="after")
    def _consistent(self) -> TargetEntry:
        given = [kind for kind in ("share", "mean", "rate") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of share, mean or rate (got {', '.join(given) or 'none'})"
            )
        if self.share is not None and self.figure not in SHARE_FIGURES:
            raise ValueError(
                f"a share (successes of trials) needs a figure that is a share; {self.figure} is "
                "not"
            )
        if (
            self.mean is not None
            and self.figure in SHARE_FIGURES
            and not 0.0 <= self.mean.value <= 1.0
        ):
            raise ValueError(
                f"{self.figure} is a share: its mean must be between 0 and 1 (got "
                f"{self.mean.value})"
            )
        if (self.outcome_class or self.severity) and self.figure != REPURCHASE_FIGURE:
            raise ValueError(f"outcome_class and severity go only with figure {REPURCHASE_FIGURE}")
        if self.segment is not None and self.figure not in CLAIM_FIGURES:
            raise ValueError(
                f"segment goes only with a claim-level figure ({', '.join(CLAIM_FIGURES)})"
            )
        return self

    def target(self, folder: Path) -> Target:
        """The Target this entry describes; `world` is read relative to the targets file's folder
        (`..` folded)."""
        if self.share is not None:
            kind, observed, trials, error = (
                "share",
                self.share.successes / self.share.trials,
                self.share.trials,
                None,
            )
        elif self.mean is not None:
            kind, observed, trials, error = "mean", self.mean.value, None, self.mean.standard_error
        else:
            kind, observed, trials, error = (
                "rate",
                self.rate.events / self.rate.exposure,
                self.rate.exposure,
                None,
            )
        return Target(
            name=self.name,
            figure=self.figure,
            policy=self.policy,
            kind=kind,
            observed=float(observed),
            trials=None if trials is None else float(trials),
            standard_error=error,
            outcome_class=self.outcome_class,
            severity=self.severity,
            segment=self.segment,
            world=None if self.world is None else Path(os.path.normpath(folder / self.world)),
            source=self.source,
            confidence=self.confidence,
        )


class TargetsFile(Frozen):
    """A targets file: an optional name and description, and the targets."""

    name: str | None = None
    description: str | None = None
    targets: tuple[TargetEntry, ...] = Field(min_length=1)


def _allowed_keys(loc: tuple) -> list[str]:
    """Keys allowed where an unknown key was found, for the 'did you mean' hint."""
    parent = [part for part in loc[:-1] if isinstance(part, str)]
    model: type[Frozen] = TargetsFile
    for part in parent:
        if part == "targets":
            model = TargetEntry
        elif part in ("share", "mean", "rate"):
            model = {"share": ShareObservation, "mean": MeanObservation, "rate": RateObservation}[
                part
            ]
    return list(model.model_fields)


def in_our_words(error: dict) -> str:
    """Pydantic's message for one error, said the way the project says it."""
    kind, context = error["type"], error.get("ctx") or {}
    words = {
        "missing": "is required",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "string_type": "must be text",
        "bool_type": "must be true or false",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
        "too_short": "must not be empty",
        "string_too_short": "must not be empty",
        "string_too_long": f"is too long (at most {context.get('max_length')} characters)",
        "greater_than": f"must be > {context.get('gt')}",
        "greater_than_equal": f"must be >= {context.get('ge')}",
        "less_than": f"must be < {context.get('lt')}",
        "less_than_equal": f"must be <= {context.get('le')}",
        "literal_error": f"must be one of {context.get('expected', '').replace(chr(39), '')}",
    }
    if kind in words:
        return words[kind]
    return scenario_words(
        error
    )  # the scenario loader's words for the rest (too many items, 'yes' for a boolean)


def _problem(error: dict, located: Located, source: str) -> Problem:
    loc = tuple(
        part
        for part in error["loc"]
        if not (isinstance(part, str) and part.startswith("function-"))
    )
    path = dotted(loc) or "(targets file)"
    file, line = located.where(loc, source)
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc), n=1, cutoff=0.6)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else f"; allowed keys are {', '.join(_allowed_keys(loc))}"
        )
        return Problem(file, line, path, f"unknown key{hint}")
    got = None if error["type"] in ("missing", "value_error") else shorten(error.get("input"))
    return Problem(file, line, path, in_our_words(error), got)


def _echo(error: dict, errors: list[dict]) -> bool:
    """A list with a bad item also fails its own min_length (pydantic counts only valid items):
    nothing new."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(e["loc"]) > len(loc) and tuple(e["loc"])[: len(loc)] == loc for e in errors
    )


def _duplicate_names(
    entries: tuple[TargetEntry, ...], located: Located, source: str
) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, entry in enumerate(entries):
        if entry.name in seen:
            file, line = located.where(("targets", index, "name"), source)
            message = (
                f"target name already used by targets.{seen[entry.name]}; names label the fit "
                "table's rows"
            )
            problems.append(
                Problem(file, line, f"targets.{index}.name", message, shorten(entry.name))
            )
        seen.setdefault(entry.name, index)
    return problems


def read_targets_file(path: Path) -> tuple[tuple[Target, ...], str]:
    """The targets of a YAML file and its name (or the file name), or ScenarioError with every
    problem."""
    source = str(path)
    text = read_text(path, MAX_TARGETS_FILE_BYTES, "a targets file holds tens of targets")
    if not text.strip():
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "file is empty; a targets file is a mapping with a 'targets' list",
                )
            ]
        )
    located = parse_yaml(text, source)
    try:
        parsed = TargetsFile.model_validate(located.data)
    except pydantic.ValidationError as error:
        errors = error.errors()
        problems = list(
            dict.fromkeys(_problem(e, located, source) for e in errors if not _echo(e, errors))
        )
        raise ScenarioError(sorted(problems, key=lambda p: p.line or 0)) from None
    except (RecursionError, OverflowError, ValueError) as error:
        raise ScenarioError([Problem(source, None, "", f"cannot be validated: {error}")]) from None
    problems = _duplicate_names(parsed.targets, located, source)
    if problems:
        raise ScenarioError(problems)
    return tuple(entry.target(path.parent) for entry in parsed.targets), parsed.name or path.name
