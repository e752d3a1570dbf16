"""Computing cells: replicate blocks, their result files, resume, failures and the manifest.

Layout of an experiment's output directory (``experiment.out_dir``)::

    manifest.json                          the expected cells, written before any cell runs
    cells/<cell_id>/reps-<start>-<stop>.parquet   replicates start..stop-1 of a cell, both arms
    cells/<cell_id>/failed-<start>-<stop>.json    a block that raised (removed once it succeeds)
    summary.csv, summary.parquet, missing_cells.csv, <analysis>.csv/.png   (the aggregator)
    logs/                                  Hydra's run and sweep folders (configs and logs)

A result file holds one row per replicate and arm (``arm`` = ``policy`` or ``baseline``, the
no-action policy on the same replicates) with the outcome columns of :func:`sim.run_ensemble`. It is
written atomically (temporary file, then rename) and carries its cell's fingerprint in its Parquet
metadata; its sha256 is written next to it (``reps-<start>-<stop>.parquet.sha256``, atomically,
just before the file is moved into place). A file counts as *finished* when its sha256 matches,
it can be read, has its fingerprint, the right number of rows and consistent data
(:func:`check_frame`); anything else (a truncated or corrupted file, a file from another config
or other model code) is ignored and recomputed; a *corrupt* one (checksum or data) is reported
as such by the aggregator. Because replicate ``r`` of a cell is the same run whatever the
blocking, the process or the threads (counter-based random numbers), any set of finished files
that covers ``0 .. replicates-1`` gives the same table.

A Hydra job (:mod:`experiments.jobs`) selects cells and blocks and calls :func:`run_cells`.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import sim
from sim.files import atomic_path, write_json

from .config import Cell, Experiment, context_key, run_spec
from .faults import EXIT_INCOMPLETE as EXIT_INCOMPLETE  # re-exported
from .faults import EnvironmentFault, describe_os_error, is_environment_error

log = logging.getLogger("experiments")

CELLS_DIR = "cells"
MANIFEST_FILE = "manifest.json"
META_KEY = b"experiments.cell"
FILE_FORMAT = 1
ARM_POLICY, ARM_BASELINE = "policy", "baseline"
CORRUPT = "corrupt: "  # prefix of the problem of a file whose checksum or data are wrong


# ---------------------------------------------------------------- paths and files
def cell_dir(out_dir: Path, cell: Cell | str) -> Path:
    """The directory of a cell's result and failure files."""
    return Path(out_dir) / CELLS_DIR / (cell if isinstance(cell, str) else cell.cell_id)


def block_path(out_dir: Path, cell: Cell, start: int, stop: int) -> Path:
    return cell_dir(out_dir, cell) / f"reps-{start:09d}-{stop:09d}.parquet"


def checksum_path(path: Path) -> Path:
    """The sidecar holding the sha256 of a result file."""
    return path.with_name(path.name + ".sha256")


def sha256_of(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def failure_path(out_dir: Path, cell: Cell, start: int, stop: int) -> Path:
    return cell_dir(out_dir, cell) / f"failed-{start:09d}-{stop:09d}.json"


@dataclass
class BlockFile:
    """A result file of a cell as found on disk: its replicate range and whether it is usable."""

    path: Path
    start: int
    stop: int
    meta: dict | None  # None: unreadable or incomplete
    problem: str = ""  # why it is not usable ("" if it is)

    @property
    def ok(self) -> bool:
        return not self.problem


def inspect_file(path: Path, cell: Cell) -> BlockFile:
    """Whether a result file is complete, intact and belongs to ``cell`` as configured now."""
    import pyarrow.parquet as pq

    try:
        start_s, stop_s = path.stem.split("-")[1:3]
        start, stop = int(start_s), int(stop_s)
    except ValueError:
        return BlockFile(path, -1, -1, None, "unexpected file name")
    try:
        md = pq.read_metadata(path)
        raw = (md.metadata or {}).get(META_KEY)
        meta = json.loads(raw) if raw else None
    except Exception as e:  # truncated or otherwise unreadable
        return BlockFile(path, start, stop, None, f"unreadable ({type(e).__name__})")
    if meta is None:
        return BlockFile(path, start, stop, None, "no cell metadata")
    if meta.get("fingerprint") != cell.fingerprint or meta.get("cell_id") != cell.cell_id:
        return BlockFile(path, start, stop, meta, "stale (other config or model code)")
    if (meta.get("start"), meta.get("stop")) != (start, stop) or md.num_rows != 2 * (stop - start):
        return BlockFile(path, start, stop, meta, "incomplete")
    problem = verify_file(path, start, stop)
    return BlockFile(path, start, stop, meta if not problem else None, problem)


def verify_file(path: Path, start: int, stop: int) -> str:
    """``""`` if the file matches its recorded sha256 and its data are consistent, else why not
    (``corrupt: ...``, or ``no checksum`` for a file whose sidecar was never written)."""
    import pyarrow.parquet as pq

    try:
        recorded = checksum_path(path).read_text().split()[0]
    except (OSError, IndexError):
        return "no checksum (unfinished write)"
    try:
        if sha256_of(path) != recorded:
            return CORRUPT + "sha256 differs from the recorded one"
        frame = pq.read_table(path).to_pandas()
    except Exception as e:  # unreadable although its footer was fine
        return CORRUPT + f"unreadable data ({type(e).__name__})"
    problem = check_frame(frame, start, stop)
    return CORRUPT + problem if problem else ""


def check_frame(df, start: int, stop: int) -> str:
    """Why the rows of a result file are inconsistent ("" if they are not): both arms present,
    replicates ``start .. stop-1`` once each per arm, violence iff an onset week, war only with
    violence, the action arriving never or after the warning."""
    if "arm" not in df or "replicate" not in df:
        return "no arm or replicate column"
    arms = set(df["arm"].unique())
    if arms != {ARM_POLICY, ARM_BASELINE}:
        return f"arms {sorted(arms)}, expected both {ARM_POLICY} and {ARM_BASELINE}"
    for arm in (ARM_POLICY, ARM_BASELINE):
        reps = sorted(df.loc[df["arm"] == arm, "replicate"].tolist())
        if reps != list(range(start, stop)):
            return f"arm {arm}: replicates are not {start}..{stop - 1} once each"
    if len(df) != 2 * (stop - start):
        return f"{len(df)} rows, expected {2 * (stop - start)}"
    checks = {
        "violence==1 without onset_week>=0 or the reverse": ("violence", "onset_week"),
        "war==1 without violence==1": ("war", "violence"),
        "arrival_week before warning_week+1": ("arrival_week", "warning_week"),
    }
    for what, cols in checks.items():
        if all(c in df for c in cols) and _bad_rows(df, cols).any():
            return f"{int(_bad_rows(df, cols).sum())} row(s) with {what}"
    return ""


def _bad_rows(df, cols: tuple[str, str]):
    a, b = df[cols[0]], df[cols[1]]
    if cols == ("violence", "onset_week"):
        return (a == 1) != (b >= 0)
    if cols == ("war", "violence"):
        return (a == 1) & (b != 1)
    return (a >= 0) & (a < b + 1)


def scan_cell(out_dir: Path, cell: Cell) -> list[BlockFile]:
    """Every result file of a cell, sorted by replicate range, usable or not."""
    d = cell_dir(out_dir, cell)
    if not d.is_dir():
        return []
    files = [inspect_file(p, cell) for p in sorted(d.glob("reps-*.parquet"))]
    return sorted(files, key=lambda f: (f.start, f.stop))


def uncovered(files: list[BlockFile], start: int, stop: int) -> list[tuple[int, int]]:
    """Sub-ranges of ``[start, stop)`` that no usable file covers."""
    gaps, pos = [], start
    for f in sorted((f for f in files if f.ok), key=lambda f: f.start):
        if f.stop <= pos or f.start >= stop:
            continue
        if f.start > pos:
            gaps.append((pos, f.start))
        pos = max(pos, f.stop)
        if pos >= stop:
            break
    if pos < stop:
        gaps.append((pos, stop))
    return gaps


def failures(out_dir: Path, cell: Cell) -> list[dict]:
    """Failure records of a cell (blocks that raised and have not succeeded since)."""
    d = cell_dir(out_dir, cell)
    out = []
    for p in sorted(d.glob("failed-*.json")) if d.is_dir() else []:
        try:
            rec = json.loads(p.read_text())
        except (OSError, ValueError):
            rec = {"error": "unreadable failure record"}
        if rec.get("fingerprint", cell.fingerprint) == cell.fingerprint:
            out.append(rec)
    return out


# ---------------------------------------------------------------- manifest
def write_manifest(experiment: Experiment) -> Path:
    """Write ``manifest.json`` unless an identical one is there; return its path."""
    path = experiment.out_dir / MANIFEST_FILE
    manifest = experiment.to_manifest()
    old = read_manifest(experiment.out_dir, missing_ok=True)
    if old is not None and json.loads(json.dumps(old)) == json.loads(json.dumps(manifest)):
        return path
    if old is not None:
        changed = sorted(
            k
            for k in set(old) | set(manifest)
            if json.dumps(old.get(k), sort_keys=True, default=str)
            != json.dumps(manifest.get(k), sort_keys=True, default=str)
        )
        log.info("manifest %s: replaced (changed: %s)", path, ", ".join(changed))
    write_json(manifest, path)
    return path


def read_manifest(out_dir: str | os.PathLike, missing_ok: bool = False) -> dict | None:
    """The manifest in ``out_dir``; with ``missing_ok``, None if it is absent or not JSON."""
    path = Path(out_dir) / MANIFEST_FILE
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        if missing_ok:
            return None
        raise


# ---------------------------------------------------------------- computing
def compute_cells(experiment: Experiment, cells: list[Cell], start: int, stop: int) -> dict:
    """Replicates ``start .. stop-1`` of several cells that share their scenario and early
    warning, in one ensemble call (the baseline once, then each distinct policy).

    Returns ``{cell_id: DataFrame}``; each frame has the policy arm then the baseline arm, each
    sorted by replicate. The rows of a cell do not depend on which other cells share the call.
    """
    import numpy as np
    import pandas as pd

    specs = [run_spec(experiment, c) for c in cells]
    base = specs[0]
    keys, policies = [], []
    for spec in specs:
        if spec.policy not in policies:
            policies.append(spec.policy)
        keys.append(policies.index(spec.policy))
    n = stop - start
    df = sim.run_ensemble(
        base.scenario,
        [base.baseline, *policies],
        replicates=n,
        horizon_weeks=base.horizon_weeks,
        seed=base.seed,
        params=base.params,
        first_replicate=start,
        threads=base.threads,
    )
    # run_ensemble is policy-major: rows k*n .. (k+1)*n-1 are policy k (labels may repeat)
    baseline = df.iloc[:n].reset_index(drop=True)
    out = {}
    for cell, k in zip(cells, keys, strict=True):
        pol = df.iloc[(k + 1) * n : (k + 2) * n].reset_index(drop=True)
        frame = pd.concat([pol, baseline], ignore_index=True)
        frame.insert(0, "arm", np.repeat([ARM_POLICY, ARM_BASELINE], n))
        out[cell.cell_id] = frame
    return out


def write_block(experiment: Experiment, cell: Cell, start: int, stop: int, frame) -> Path:
    """Write a cell's block atomically (with its fingerprint) and clear its failure record."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {
        "format": FILE_FORMAT,
        "experiment": experiment.name,
        "cell_id": cell.cell_id,
        "fingerprint": cell.fingerprint,
        "start": start,
        "stop": stop,
        "axes": cell.axes,
        "policy": cell.policy,
        "early_warning": cell.early_warning,
        "scenario": cell.scenario,
    }
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta, default=str).encode()}
    )
    path = block_path(experiment.out_dir, cell, start, stop)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
        digest = sha256_of(tmp)
        # the checksum lands just before the file: a result file always has its checksum (a
        # checksum without its file, or of an older one, makes that file corrupt: recomputed)
        with atomic_path(checksum_path(path)) as tmp_sum:
            tmp_sum.write_text(f"{digest}  {path.name}\n")
    failure_path(experiment.out_dir, cell, start, stop).unlink(missing_ok=True)
    return path


def write_failure(
    experiment: Experiment, cell: Cell, start: int, stop: int, exc: BaseException
) -> bool:
    """Record why a block raised (``failed-<start>-<stop>.json``), for the aggregator. Never
    raises: when even the record cannot be written (a full disk) it logs why and returns False."""
    try:
        _write_failure(experiment, cell, start, stop, exc)
    except Exception as e:  # the failure path must not fail
        log.error(
            "%s: could not write the failure record: %s: %s", cell.cell_id, type(e).__name__, e
        )
        return False
    return True


def _write_failure(experiment: Experiment, cell: Cell, start: int, stop: int, exc: BaseException):
    write_json(
        {
            "cell_id": cell.cell_id,
            "fingerprint": cell.fingerprint,
            "start": start,
            "stop": stop,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exception(exc),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "host": os.uname().nodename if hasattr(os, "uname") else "",
        },
        failure_path(experiment.out_dir, cell, start, stop),
    )


@dataclass
class JobReport:
    """What a job did: cell blocks computed, skipped as finished, failed."""

    computed: list = field(default_factory=list)  # (cell_id, start, stop)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (cell_id, start, stop, error)
    seconds: float = 0.0


def run_cells(
    experiment: Experiment,
    cells: list[Cell],
    blocks: list[tuple[int, int]],
    progress: bool = False,
) -> JobReport:
    """Compute the blocks of ``cells`` that no finished file covers; skip the others.

    Cells sharing their scenario and early warning run together, ``experiment.batch_cells`` per
    ensemble call. A block that raises gets a failure record and the others go on.
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    report = JobReport()
    batches = _plan(experiment, cells, blocks, report)
    with tqdm(
        total=len(cells) * len(blocks),
        initial=len(report.skipped),
        unit="cell",
        desc=experiment.name,
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:
        for group, start, stop in batches:
            _run_batch(experiment, group, start, stop, report)
            bar.update(len(group))
    report.seconds = time.perf_counter() - t0
    return report


def _plan(
    experiment: Experiment, cells: list[Cell], blocks: list[tuple[int, int]], report: JobReport
) -> list[tuple[list[Cell], int, int]]:
    """The ensemble calls ``(cells, start, stop)`` that compute what no finished file covers;
    blocks already finished are logged and recorded in ``report.skipped``."""
    todo: dict = {}  # (context key, start, stop) -> [cells]
    for cell in cells:
        files = scan_cell(experiment.out_dir, cell)
        for f in files:
            if not f.ok:
                log.warning(
                    "%s: %s is %s; ignored (recomputed if needed)",
                    cell.cell_id,
                    f.path.name,
                    f.problem,
                )
        for a, b in blocks:
            gaps = uncovered(files, a, b)
            if not gaps:
                log.info("skipped %s replicates %d-%d: finished", cell.cell_id, a, b - 1)
                report.skipped.append((cell.cell_id, a, b))
            for s, e in gaps:
                todo.setdefault((context_key(experiment, cell), s, e), []).append(cell)
    k = experiment.batch_cells
    return [
        (group[i : i + k], s, e)
        for (_, s, e), group in todo.items()
        for i in range(0, len(group), k)
    ]


def _run_batch(
    experiment: Experiment, group: list[Cell], start: int, stop: int, report: JobReport
) -> None:
    """One ensemble call: write each cell's block, or record the failure for every cell of it."""
    try:
        frames = compute_cells(experiment, group, start, stop)
        for cell in group:
            write_block(experiment, cell, start, stop, frames[cell.cell_id])
            report.computed.append((cell.cell_id, start, stop))
            log.debug("computed %s replicates %d-%d", cell.cell_id, start, stop - 1)
    except Exception as exc:  # record, go on with the other cells
        for cell in group:
            write_failure(experiment, cell, start, stop, exc)
            report.failed.append((cell.cell_id, start, stop, f"{type(exc).__name__}: {exc}"))
        if is_environment_error(exc):  # the next cells would fail the same way: stop the job
            raise EnvironmentFault(
                f"cannot write the results of {experiment.name} ({describe_os_error(exc)}); "
                f"finished cells are kept in {experiment.out_dir}: free space or fix the "
                "directory, then rerun the same command"
            ) from exc
        log.error(
            "failed %s replicates %d-%d: %s: %s",
            ", ".join(c.cell_id for c in group),
            start,
            stop - 1,
            type(exc).__name__,
            exc,
        )
