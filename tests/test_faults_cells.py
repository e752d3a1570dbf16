"""Faults around the experiments' cell files: corrupt files, two sweeps into one directory,
default output directory names, and environment faults (a file as out_dir, a full or read-only
disk, SIGINT), each a one-line error with its exit code and nothing half-written.

One tiny sweep (2 instruments x 2 lags x 40 replicates, 52 weeks) is computed in-process once
(module fixture); the tests copy it. Only the lock refusal and the file-as-out_dir case start a
subprocess (the real command line).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N = 40
TINY = [
    "experiment.grid=[{instrument:[envoy,sanctions],lag_weeks:[0,8]}]",
    f"run.replicates={N}",
    "run.horizon_weeks=52",
    "experiment.bootstrap=20",
    "experiment.progress=false",
]
CELL = "instrument-envoy__lag_weeks-8"
TABLES = ["summary.csv", "prevention_window.csv", "decomposition.csv", "km_onset.csv"]


def _compose(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    from experiments.config import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("experiments", overrides=overrides, return_hydra_config=True)


def _run(out_dir: Path, *extra: str, multirun: bool = False):
    from experiments import jobs

    cfg = _compose([*TINY, f"experiment.out_dir={out_dir}", *extra])
    return jobs.run_job(cfg, multirun=multirun, cwd=out_dir.parent)


def _block(out_dir: Path, cell: str = CELL) -> Path:
    return out_dir / "cells" / cell / f"reps-{0:09d}-{N:09d}.parquet"


def _leftovers(out_dir: Path) -> list[Path]:
    """Temporary files of atomic writes and locks left behind."""
    return [p for p in out_dir.rglob("*") if p.name.endswith(".tmp") or p.name == ".lock"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faults") / "clean"
    _run(out)
    assert not _leftovers(out)
    return out


def _copy(clean: Path, dest: Path) -> Path:
    shutil.copytree(clean / "cells", dest / "cells")
    shutil.copy(clean / "manifest.json", dest / "manifest.json")
    return dest


# ---------------------------------------------------------------- 1. corrupt cell files
def test_flipped_byte_is_corrupt_excluded_and_recomputed(clean, tmp_path, capsys):
    from experiments import aggregate

    out = _copy(clean, tmp_path / "out")
    path = _block(out)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    result = aggregate.aggregate(out)
    assert result.exit_code == 3
    row = result.missing.iloc[0]
    assert list(result.missing["cell_id"]) == [CELL] and row["status"] == "corrupt"
    assert row["error"].startswith("corrupt: sha256")
    assert len(result.summary) == 3  # excluded from the tables
    assert "corrupt" in (out / "missing_cells.csv").read_text()
    assert aggregate.main([str(out)]) == 3
    report = _run(out)  # a rerun into the same out_dir recomputes just that cell
    assert report.computed == [(CELL, 0, N)] and len(report.skipped) == 3
    for name in TABLES + ["missing_cells.csv"]:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    capsys.readouterr()


def _rewrite(path: Path, edit) -> None:
    """Edit a result file's rows, keep its metadata and record a matching checksum (a file
    that is intact but whose data are wrong)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from experiments.cells import checksum_path, sha256_of

    table = pq.read_table(path)
    df = edit(table.to_pandas())
    new = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(
        table.schema.metadata
    )
    pq.write_table(new, path)
    checksum_path(path).write_text(sha256_of(path) + "\n")


def test_edited_value_with_a_valid_checksum_is_corrupt(clean, tmp_path, capsys):
    from experiments import aggregate

    out = _copy(clean, tmp_path / "out")

    def violence_without_onset(df):
        i = df.index[(df["arm"] == "baseline") & (df["violence"] == 0)][0]
        df.loc[i, "violence"] = 1
        return df

    _rewrite(_block(out), violence_without_onset)
    result = aggregate.aggregate(out)
    assert result.exit_code == 3 and list(result.missing["status"]) == ["corrupt"]
    assert "violence==1 without onset_week>=0" in result.missing.iloc[0]["error"]
    assert _run(out).computed == [(CELL, 0, N)]
    assert aggregate.aggregate(out).exit_code == 0
    assert (out / "summary.csv").read_bytes() == (clean / "summary.csv").read_bytes()
    capsys.readouterr()


def test_consistency_checks_of_a_frame(clean):
    import pandas as pd

    from experiments.cells import check_frame

    df = pd.read_parquet(_block(clean))
    assert check_frame(df, 0, N) == ""

    def broken(edit) -> str:
        d = df.copy()
        edit(d)
        return check_frame(d, 0, N)

    def war_without_violence(d):
        i = d.index[d["violence"] == 0][0]
        d.loc[i, "war"] = 1

    def early_arrival(d):
        i = d.index[(d["arm"] == "policy") & (d["arrival_week"] >= 0)][0]
        d.loc[i, "arrival_week"] = d.loc[i, "warning_week"]

    def duplicate_replicate(d):
        d.loc[1, "replicate"] = d.loc[0, "replicate"]

    def one_arm(d):
        d.loc[:, "arm"] = "policy"

    assert "war==1 without violence" in broken(war_without_violence)
    assert "arrival_week before warning_week+1" in broken(early_arrival)
    assert "replicates are not 0..39" in broken(duplicate_replicate)
    assert "expected both policy and baseline" in broken(one_arm)


def test_file_without_checksum_is_recomputed(clean, tmp_path, capsys):
    from experiments.cells import checksum_path

    out = _copy(clean, tmp_path / "out")
    checksum_path(_block(out)).unlink()  # killed between the file and its checksum
    assert _run(out).computed == [(CELL, 0, N)]
    assert checksum_path(_block(out)).is_file()
    capsys.readouterr()


# ---------------------------------------------------------------- 2. the lock
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write_lock(out: Path, pid: int, sweep: str = "other-sweep") -> None:
    out.mkdir(parents=True, exist_ok=True)
    info = {"pid": pid, "host": socket.gethostname(), "time": "t", "sweep": sweep}
    (out / ".lock").write_text(json.dumps(info))


def test_live_lock_refuses_stale_lock_is_broken(clean, tmp_path, caplog, capsys):
    from experiments import faults

    out = _copy(clean, tmp_path / "out")
    _write_lock(out, os.getppid())  # a live process holds it
    with pytest.raises(faults.OutDirLocked, match=f"pid {os.getppid()} on"):
        _run(out)
    _write_lock(out, _dead_pid())
    report = _run(out)  # stale: broken with a message, then released
    assert "breaking stale lock" in caplog.text and len(report.skipped) == 4
    assert not (out / ".lock").exists()
    capsys.readouterr()


def test_multirun_jobs_share_their_sweeps_lock(clean, tmp_path, capsys):
    from experiments import faults
    from experiments.config import resolve

    out = _copy(clean, tmp_path / "out")
    cfg = _compose([*TINY, f"experiment.out_dir={out}"])
    sweep = faults.sweep_fingerprint(resolve(cfg, out.parent))
    _write_lock(out, os.getppid(), sweep)  # the multirun's main process holds it
    assert len(_run(out, "cell.instrument=envoy", multirun=True).skipped) == 2
    _write_lock(out, os.getppid(), "another sweep")  # e.g. other seeds
    with pytest.raises(faults.OutDirLocked, match="in use by another sweep"):
        _run(out, "cell.instrument=envoy", multirun=True)
    # the callback takes the lock for the sweep and releases it at the end
    (out / ".lock").unlink()
    assert faults.acquire(out, sweep).is_file()
    assert json.loads((out / ".lock").read_text())["pid"] == os.getpid()
    faults.release(out)
    assert not (out / ".lock").exists()
    capsys.readouterr()


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [sys.executable, "-m", "experiments.warning_to_action", *TINY, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_command_line_refusals_are_one_line_exit_2(tmp_path):
    locked = tmp_path / "locked"
    _write_lock(locked, os.getpid())
    proc = _cli(f"experiment.out_dir={locked}")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pid {os.getpid()}" in lines[0] and "Traceback" not in lines[0]
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    proc = _cli(f"experiment.out_dir={a_file}")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "a_file" in lines[0] and "directory" in lines[0]
    assert a_file.read_text() == "x"


# ---------------------------------------------------------------- 3. default out_dir names
def test_default_out_dir_names_scenario_file_and_results_hash(tmp_path):
    from experiments.config import resolve
    from experiments.tables import scenario_label

    scen = tmp_path / "my_region.yaml"
    shutil.copy(ROOT / "scenarios" / "two_party.yaml", scen)

    def out_dir(*extra: str) -> str:
        return str(_compose([*TINY, f"scenario.file={scen}", *extra]).experiment.out_dir)

    base = out_dir()
    name = Path(base).name
    assert name.startswith("warning_to_action-my_region-") and len(name.split("-")[-1]) == 6
    assert out_dir() == base  # the same sweep resumes into the same folder
    assert out_dir("experiment.n_blocks=2", "run.threads=1") == base  # results unchanged
    assert len({base, out_dir("run.seed=7"), out_dir("run.replicates=50")}) == 3
    scen.write_text(scen.read_text().replace("# Two parties", "# edited\n# Two parties"))
    assert out_dir() != base  # the scenario file's contents count
    default = str(_compose(TINY).experiment.out_dir)
    assert Path(default).name.startswith("warning_to_action-default-") and default != base
    # titles and tables name the scenario by its stem, never its path
    exp = resolve(_compose([*TINY, f"scenario.file={scen}"]), tmp_path)
    assert exp.scenario_name == "my_region"
    assert scenario_label({"file": str(scen), "name": "default"}) == "my_region"


# ---------------------------------------------------------------- 4. environment faults
def _app(monkeypatch, out: Path, *extra: str) -> int:
    """``python -m experiments.warning_to_action`` in this process; its exit status."""
    from experiments import app

    monkeypatch.setattr(sys, "argv", ["experiments", *TINY, f"experiment.out_dir={out}", *extra])
    with pytest.raises(SystemExit) as exc:
        app.main()
    return exc.value.code


def _one_line(capsys) -> str:
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_disk_is_one_line_exit_4(clean, tmp_path, monkeypatch, capsys, code):
    import pyarrow.parquet as pq

    from experiments import cells

    out = _copy(clean, tmp_path / "out")
    _block(out).unlink()
    real = pq.write_table

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[1]))

    monkeypatch.setattr(pq, "write_table", fail)
    monkeypatch.setattr(cells, "write_json", fail)  # not even the failure record fits
    assert _app(monkeypatch, out) == 4
    line = _one_line(capsys)
    assert os.strerror(code) in line and "rerun" in line
    assert not _leftovers(out)  # nothing half-written, the lock released
    monkeypatch.setattr(pq, "write_table", real)
    from experiments import aggregate

    monkeypatch.setattr(aggregate, "write_csv", fail)
    assert aggregate.main([str(out)]) == 4
    assert os.strerror(code) in _one_line(capsys)


def test_interrupt_is_one_line_exit_130_and_resumes(clean, tmp_path, monkeypatch, capsys):
    from experiments import cells

    out = _copy(clean, tmp_path / "out")
    _block(out).unlink()
    real = cells.compute_cells

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cells, "compute_cells", interrupted)
    assert _app(monkeypatch, out) == 130
    assert "interrupted" in _one_line(capsys)
    assert not _leftovers(out)
    monkeypatch.setattr(cells, "compute_cells", real)
    assert _app_ok(monkeypatch, out)
    assert (out / "summary.csv").read_bytes() == (clean / "summary.csv").read_bytes()
    capsys.readouterr()


def _app_ok(monkeypatch, out: Path) -> bool:
    from experiments import app

    monkeypatch.setattr(sys, "argv", ["experiments", *TINY, f"experiment.out_dir={out}"])
    app.main()
    return True


def test_out_dir_that_is_a_file_is_bad_input(tmp_path):
    from experiments import jobs
    from sim.errors import SimInputError

    a_file = tmp_path / "x"
    a_file.write_text("x")
    with pytest.raises(SimInputError, match="is a file"):
        jobs.check_out_dir(a_file)


def test_multirun_callback_holds_the_lock_for_its_jobs(clean, tmp_path, capsys):
    from omegaconf import open_dict

    from experiments import faults
    from experiments.callbacks import ExperimentCallback

    out = _copy(clean, tmp_path / "out")
    cfg = _compose([*TINY, f"experiment.out_dir={out}"])
    with open_dict(cfg):
        cfg.hydra.runtime.cwd = str(tmp_path)
        cfg.hydra.sweep.dir = str(tmp_path / "sweep")
    callback = ExperimentCallback()
    callback.on_multirun_start(cfg)
    assert json.loads((out / ".lock").read_text())["pid"] == os.getpid()
    assert len(_run(out, "cell.instrument=envoy", multirun=True).skipped) == 2  # a job joins
    with pytest.raises(faults.OutDirLocked):  # another sweep (other seed) into the same dir
        _run(out, "run.seed=3", "cell.instrument=envoy", multirun=True)
    callback.on_multirun_end(cfg)
    assert not (out / ".lock").exists() and (out / "summary.csv").is_file()
    capsys.readouterr()
