"""A results folder filled task by task, so that a run killed at any moment can be resumed.

Each finished task is written to ``tasks/`` as soon as it arrives: its tables
(claims, daily) first, then ``KEY.json`` with its key figures, each through a
temporary file and a rename. A task is done exactly when its JSON file exists,
so a SIGKILL between two writes costs at most the task being written. The
manifest lists the tasks done too, but is refreshed at most once a second: the
task files, not the manifest, are what `--resume` trusts. When every task is
done the final files are assembled (sorted by task key, so identical whatever
the order tasks finished in), the manifest is marked complete, and ``tasks/``
is removed.

Before the tasks, each policy whose 'auto' staff a load pilot sized is kept in
``tasks/pilots/FINGERPRINT.json`` (the sized policy), so that a run stopped while
sizing, or later, pilots only what is missing when resumed (see driver.presized).

Renames are atomic against a killed process; they are not flushed to disk
(no fsync), so a power cut may lose the last tasks, which a resume then reruns.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable

import pandas as pd

from recoverysim.errors import RecoverySimError, UsageError
from recoverysim.experiments.tasks import TaskOutput
from recoverysim.results import (
    BREAKEVEN_FILES,
    DECOMPOSE_FILES,
    DESIGN_FILES,
    PROBABILITY_BEST_FILE,
    RUN_FILES,
    SELECTION_FILE,
    SWEEP_FILES,
    atomic_write,
    new_manifest,
    now_utc,
    prepare_folder,
    write_json,
)
from recoverysim.scenario.schema import Policy, Scenario

TASKS_FOLDER = "tasks"
PILOTS_FOLDER = "pilots"
OWN_FILES = tuple(
    dict.fromkeys(
        (
            "manifest.json",
            *RUN_FILES,
            SELECTION_FILE,
            PROBABILITY_BEST_FILE,
            *SWEEP_FILES,
            *BREAKEVEN_FILES,
            *DECOMPOSE_FILES,
            *DESIGN_FILES,
        )
    )
)
TABLES = ("claims", "daily")
CHECKPOINT_SECONDS = 1.0
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.+-]+")


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat or {prefix: data}


def differences(old: Any, new: Any, limit: int = 3) -> str:
    """The first few dotted paths where two JSON-like values differ, as 'path: old -> new'."""
    before, after = _flatten(old), _flatten(new)
    changed = [
        k
        for k in dict.fromkeys([*before, *after])
        if before.get(k, "(absent)") != after.get(k, "(absent)")
    ]
    shown = [
        f"{k}: {json.dumps(before.get(k, '(absent)'))} -> {json.dumps(after.get(k, '(absent)'))}"
        for k in changed[:limit]
    ]
    more = f" and {len(changed) - limit} more" if len(changed) > limit else ""
    return "; ".join(shown) + more


class TaskStore:
    """The results folder of one run, sweep or break-even search, as it fills."""

    def __init__(self, folder: Path, manifest: dict, done: set[str]):
        self.folder = folder
        self.manifest = manifest
        self.done = done
        self._checkpointed = time.monotonic()

    @property
    def tasks_folder(self) -> Path:
        return self.folder / TASKS_FOLDER

    @property
    def pilots_folder(self) -> Path:
        return self.tasks_folder / PILOTS_FOLDER

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    @classmethod
    def open(
        cls,
        folder: str | Path,
        kind: str,
        scenario: Scenario,
        design: dict,
        *,
        tasks_total: int | None,
        resume: bool = False,
        overwrite: bool = False,
        command: str = "",
        written: dict[str, str] | None = None,
    ) -> TaskStore:
        """Claim `folder` for this run, or explain why not; nothing is simulated before this
        returns."""
        if resume and overwrite:
            raise UsageError(
                "--resume and --overwrite exclude each other: resume keeps finished tasks, "
                "overwrite discards them"
            )
        folder = prepare_folder(Path(folder))
        fresh = new_manifest(kind, scenario, design, command, tasks_total, written=written)
        old = cls._existing_manifest(folder, overwrite)
        if old is not None and not overwrite:
            mismatch = cls._mismatch(old, fresh)
            if mismatch:
                advice = (
                    "use another --out, or --overwrite to replace it"
                    if not resume
                    else "resume only continues the same run; use another --out, or --overwrite to "
                    "replace it"
                )
                raise RecoverySimError(f"{folder}: holds a different run ({mismatch}); {advice}")
            if resume:
                return cls._resumed(folder, old, command)
            if not old.get("complete"):
                done = len(cls._task_files(folder))
                total = old.get("tasks_total")
                of_total = f" of {total}" if total else ""
                raise RecoverySimError(
                    f"{folder}: holds an unfinished run of this scenario ({done}{of_total} tasks "
                    "done); add --resume to finish it, or --overwrite to start again"
                )
            # the same run, complete: running it again gives the same files, so start afresh
        if old is not None:
            cls._clear(folder)
        store = cls(folder, fresh, set())
        write_json(folder / "manifest.json", fresh)
        store.tasks_folder.mkdir(exist_ok=True)
        return store

    @staticmethod
    def _existing_manifest(folder: Path, overwrite: bool) -> dict | None:
        path = folder / "manifest.json"
        if not path.exists():
            foreign = [
                p.name
                for p in folder.iterdir()
                if not p.name.startswith(".") and p.name != TASKS_FOLDER
            ]
            if foreign:
                raise RecoverySimError(
                    f"{folder}: holds files that are not recoverysim results (no manifest.json; "
                    f"e.g. {foreign[0]}); choose an empty or new folder"
                )
            return {} if (folder / TASKS_FOLDER).exists() else None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
            return manifest
        except (OSError, ValueError) as error:
            if overwrite:
                return {}
            raise RecoverySimError(
                f"{path}: cannot be read ({error}); use --overwrite to replace this folder's "
                "results"
            ) from None

    @staticmethod
    def _mismatch(old: dict, fresh: dict) -> str:
        if old.get("format_version") != fresh["format_version"]:
            return (
                f"results format {old.get('format_version')}, this version writes "
                f"{fresh['format_version']}"
            )
        if old.get("kind") != fresh["kind"]:
            return f"a {old.get('kind')}, not a {fresh['kind']}"
        if old.get("scenario_sha256") != fresh["scenario_sha256"]:
            changed = differences(old.get("scenario", {}), fresh["scenario"])
            return f"the scenario differs: {changed}" if changed else "the scenario differs"
        if old.get("design") != fresh["design"]:
            return f"the design differs: {differences(old.get('design', {}), fresh['design'])}"
        return ""

    @classmethod
    def _resumed(cls, folder: Path, old: dict, command: str) -> TaskStore:
        manifest = dict(old)
        manifest["resumed"] = [*old.get("resumed", []), {"at": now_utc(), "command": command}]
        store = cls(folder, manifest, set() if old.get("complete") else cls._task_files(folder))
        if not store.complete:
            store.tasks_folder.mkdir(exist_ok=True)
            cls._remove_leftovers(folder)
            store.checkpoint(force=True)
        return store

    @staticmethod
    def _remove_leftovers(folder: Path) -> None:
        """Temporary files a killed run left half written: ours by name, so nobody else's is
        touched."""
        names = [*OWN_FILES, "write-probe"]
        tasks = folder / TASKS_FOLDER
        for leftover in [
            *folder.glob(".*.tmp"),
            *tasks.glob(".*.tmp"),
            *(tasks / PILOTS_FOLDER).glob(".*.tmp"),
        ]:
            if leftover.parent != folder or any(
                leftover.name.startswith(f".{name}.") for name in names
            ):
                leftover.unlink(missing_ok=True)

    @staticmethod
    def _task_files(folder: Path) -> set[str]:
        tasks = folder / TASKS_FOLDER
        if not tasks.is_dir():
            return set()
        return {p.name[: -len(".json")] for p in tasks.glob("*.json") if not p.name.startswith(".")}

    @staticmethod
    def _clear(folder: Path) -> None:
        """Remove what a previous run wrote here, and nothing else (plots or notes a user added
        stay)."""
        for name in OWN_FILES:
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / TASKS_FOLDER, ignore_errors=True)
        TaskStore._remove_leftovers(folder)

    def save(self, output: TaskOutput) -> None:
        """Write one finished task: tables first, then the JSON that marks it done."""
        if not KEY_PATTERN.fullmatch(output.key):
            raise ValueError(f"task key {output.key!r} is not a safe file name")
        for table in TABLES:
            frame = getattr(output, table)
            if frame is not None:
                atomic_write(
                    self.tasks_folder / f"{output.key}.{table}.parquet",
                    lambda p, frame=frame: frame.to_parquet(p, index=False),
                )
        record = {
            "key": output.key,
            "policy": output.policy,
            "replication": output.replication,
            "figures": output.figures,
        }
        atomic_write(
            self.tasks_folder / f"{output.key}.json",
            lambda p: p.write_text(json.dumps(record), encoding="utf-8"),
        )
        self.done.add(output.key)
        self.checkpoint()

    def save_sized(self, fingerprint: str, policy: Policy) -> None:
        """Keep one load pilot's sized policy as soon as it arrives: a resumed run reuses it."""
        if not KEY_PATTERN.fullmatch(fingerprint):
            raise ValueError(f"pilot fingerprint {fingerprint!r} is not a safe file name")
        self.pilots_folder.mkdir(exist_ok=True)
        atomic_write(
            self.pilots_folder / f"{fingerprint}.json",
            lambda p: p.write_text(policy.model_dump_json(), encoding="utf-8"),
        )

    def sized(self, fingerprint: str) -> Policy | None:
        """The policy a load pilot of this run sized, if one was kept; an unreadable file is piloted
        again (sizing is deterministic, so that costs time, never a different result)."""
        path = self.pilots_folder / f"{fingerprint}.json"
        try:
            return Policy.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load(self, key: str) -> TaskOutput:
        """A finished task read back exactly as it was computed (floats round-trip through JSON and
        Parquet)."""
        base = self.tasks_folder / key
        try:
            record = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RecoverySimError(
                f"{base}.json: cannot read a finished task ({error}); rerun with --overwrite"
            ) from None
        tables = {}
        for table in TABLES:
            path = Path(f"{base}.{table}.parquet")
            tables[table] = pd.read_parquet(path) if path.exists() else None
        return TaskOutput(
            record["key"],
            record["policy"],
            record["replication"],
            record["figures"],
            tables["claims"],
            tables["daily"],
        )

    def load_figures(self, key: str) -> dict[str, float]:
        """A finished task's key figures alone, without its tables: enough to decide whether to run
        more."""
        path = self.tasks_folder / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))["figures"]
        except (OSError, ValueError, KeyError) as error:
            raise RecoverySimError(
                f"{path}: cannot read a finished task ({error}); rerun with --overwrite"
            ) from None

    def checkpoint(self, force: bool = False) -> None:
        """Record the tasks done in the manifest, at most once a second unless forced."""
        now = time.monotonic()
        if not force and now - self._checkpointed < CHECKPOINT_SECONDS:
            return
        self._checkpointed = now
        self.manifest["tasks_done"] = sorted(self.done)
        write_json(self.folder / "manifest.json", self.manifest)

    def finish(self, write_outputs: Callable[[Path], None], **manifest_fields: Any) -> None:
        """Write the final files, mark the manifest complete, then drop the per-task files."""
        write_outputs(self.folder)
        self.manifest.update(manifest_fields)
        self.manifest.update(finished=now_utc(), complete=True, tasks_done=sorted(self.done))
        write_json(self.folder / "manifest.json", self.manifest)
        shutil.rmtree(self.tasks_folder, ignore_errors=True)
