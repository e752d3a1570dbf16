"""Hydra -> submitit_slurm -> a real SLURM cluster.

Needs a running cluster (``sudo bash scripts/slurm_setup.sh``; ``make test`` starts one as root on
CI and sets REQUIRE_SLURM=1 so these tests fail instead of skipping there). Select or deselect
them with ``-m slurm`` / ``-m "not slurm"``.

* ``test_minimal_app_runs_as_slurm_array``: a 5-line ``@hydra.main`` app swept over ``x=1,2`` as
  a SLURM job array, once with submitit's built-in ``submitit_slurm`` launcher and once with the
  repo's preset ``conf/hydra/launcher/slurm.yaml``: every job ran under SLURM with the venv
  python and the repo's numba cache.
* ``test_experiment_slurm_sweep_matches_single_process``: the project experiment swept through
  ``hydra/launcher=slurm`` writes the same ``summary.csv`` as the same cells run in one process.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pandas as pd
import pytest

# tests/slurm_fixtures.py: the fixtures slurm_cluster, slurm_env (as a plugin) and helpers
pytest.register_assert_rewrite("slurm_fixtures")
from slurm_fixtures import ROOT, local_launcher_overrides, run_py, submitit_logs  # noqa: E402

pytest_plugins = ["slurm_fixtures"]
pytestmark = pytest.mark.slurm

APP = textwrap.dedent(
    """
    import json, os, sys, hydra

    @hydra.main(version_base=None, config_path=".", config_name="app")
    def main(cfg):
        keys = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "NUMBA_CACHE_DIR")
        rec = {"x": cfg.x, "python": sys.executable, **{k: os.environ.get(k) for k in keys}}
        with open(os.path.join(cfg.out, f"x{cfg.x}.json"), "w") as f:
            json.dump(rec, f)

    main()
    """
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("launcher", ["submitit_slurm", "slurm"])
def test_minimal_app_runs_as_slurm_array(tmp_path, slurm_cluster, slurm_env, launcher):
    app = tmp_path / "app"  # config_path="." : keep other directories out of it
    app.mkdir()
    (app / "app.py").write_text(APP)
    (app / "app.yaml").write_text("x: 0\nout: ???\n")
    out = tmp_path / "records"
    out.mkdir()
    args = [
        str(app / "app.py"),
        "-m",
        *local_launcher_overrides(slurm_cluster, launcher),
        f"hydra.searchpath=[file://{ROOT / 'conf'}]",  # the repo's launcher presets
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        f"out={out}",
        "x=1,2",
    ]
    run_py(args, slurm_env, cwd=tmp_path, timeout=240, logs=tmp_path / "sweep")

    recs = {p.name: json.loads(p.read_text()) for p in out.glob("x*.json")}
    assert sorted(recs) == ["x1.json", "x2.json"], submitit_logs(tmp_path / "sweep")
    for rec in recs.values():
        assert rec["SLURM_JOB_ID"], f"job did not run under SLURM: {rec}"
        assert rec["SLURM_ARRAY_JOB_ID"], f"not a SLURM job array: {rec}"
        # submitit re-runs the submitting interpreter (sys.executable): the repo venv python
        assert rec["python"] == sys.executable, rec
        assert rec["NUMBA_CACHE_DIR"] == str(ROOT / ".numba_cache"), rec
    assert len({r["SLURM_ARRAY_JOB_ID"] for r in recs.values()}) == 1  # one array
    assert list((tmp_path / "sweep" / ".submitit").glob("*/*_log.out"))


# --- the project experiment ----------------------------------------------------------------------
# python -m experiments.warning_to_action (conf/experiments.yaml + conf/experiment/warning_to_action
# .yaml, docs/experiments.md): without -m it computes every cell of experiment.grid in one process;
# with -m the sweeper makes one Hydra job per cell (cell.instrument x cell.lag_weeks x block) and
# a callback aggregates experiment.out_dir/summary.csv when the multirun ends.
EXPERIMENT = "experiments.warning_to_action"
N_CELLS = 4
TINY = [
    "experiment.grid=[{instrument:[envoy,sanctions],lag_weeks:[0,8]}]",  # 2 x 2 = 4 cells
    "run.replicates=64",  # enough for non-trivial rates over the default horizon
    "run.horizon_weeks=104",
    "experiment.bootstrap=50",
    "experiment.progress=false",
]


@pytest.mark.timeout(900)
def test_experiment_slurm_sweep_matches_single_process(tmp_path, slurm_cluster, slurm_env):
    if not (ROOT / "experiments" / "warning_to_action.py").exists():
        pytest.skip("experiments/warning_to_action.py not in this checkout")
    single, swept = tmp_path / "single", tmp_path / "slurm"

    # all cells in one process (Hydra's own folders go under experiment.out_dir/logs)
    run_py(["-m", EXPERIMENT, *TINY, f"experiment.out_dir={single}"], slurm_env, ROOT, 600)
    # the same cells, one Hydra job each, as a SLURM job array (repo preset fitted to the node)
    run_py(
        [
            "-m",
            EXPERIMENT,
            "-m",
            *local_launcher_overrides(slurm_cluster),
            *TINY,
            f"experiment.out_dir={swept}",
        ],
        slurm_env,
        ROOT,
        600,
        logs=swept,
    )
    job_logs = sorted(swept.glob("logs/multirun-*/.submitit/*_*/*_log.out"))
    assert len(job_logs) == N_CELLS, f"expected {N_CELLS} SLURM array jobs, got {job_logs}"

    a = pd.read_csv(single / "summary.csv")
    b = pd.read_csv(swept / "summary.csv")
    assert len(a) == N_CELLS and a["n"].eq(64).all(), a
    assert a["p_violence"].gt(0).any(), f"degenerate table, nothing to compare:\n{a}"
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (single / "summary.csv").read_bytes() == (swept / "summary.csv").read_bytes()
