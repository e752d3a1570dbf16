"""Scenario discovery (experiments/scenario_discovery.py): the command at smoke size, the
robustness table and the choice of the PRIM box, the settings' checks."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import scenario_discovery as sd
from sim.errors import SimInputError

REPO = Path(__file__).resolve().parent.parent
SMOKE = ["experiment=scenario_discovery_smoke"]  # conf/experiment/scenario_discovery_smoke.yaml


def run_command(*overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "experiments", *overrides],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_smoke_run_writes_every_output(tmp_path):
    result = run_command(*SMOKE, f"experiment.out_dir={tmp_path}", "scenario=kenya_2008")
    assert result.returncode == 0, result.stderr[-2000:]
    names = {p.name for p in tmp_path.iterdir() if p.is_file()}
    assert names == {
        "experiments.csv",
        "runs.json",
        "prim_boxes.csv",
        "prim_trajectory.csv",
        "feature_scores.csv",
        "prim_tradeoff.png",
        "prim_box.png",
        "robustness.csv",
        "scenario_discovery.json",
    }  # fmt: skip  (and no temporary file left)
    frame = pd.read_csv(tmp_path / "experiments.csv")
    assert len(frame) == 16 * 4 and set(frame["policy"]) == {"none", "envoy@2", "envoy@12",
                                                             "sanctions@2"}  # fmt: skip
    # every policy of a world ran on the same replicates: one no-action risk per world
    assert (frame.groupby("scenario")["p_violence_none"].nunique() == 1).all()
    none = frame[frame["policy"] == "none"]
    assert (none["p_violence"] == none["p_violence_none"]).all()
    boxes = pd.read_csv(tmp_path / "prim_boxes.csv")
    assert list(boxes.columns) == list(sd.BOX_COLUMNS)
    scores = pd.read_csv(tmp_path / "feature_scores.csv")
    assert len(scores) == 60 and scores["score"].is_monotonic_decreasing
    assert boxes["coverage"].between(0, 1).all() and boxes["density"].between(0, 1).all()
    robust = pd.read_csv(tmp_path / "robustness.csv")
    assert len(robust) == 4 and (robust["mean_regret"] >= 0).all()
    means = frame.groupby("policy")["p_violence"].mean()
    for _, row in robust.iterrows():
        assert row["mean_p_violence"] == pytest.approx(means[row["policy"]])
    summary = json.loads((tmp_path / "scenario_discovery.json").read_text())
    assert summary["settings"]["scenario"] == "kenya_2008" and summary["experiments"] == 64
    assert summary["case"].startswith("p_violence_despite_arrival >= 0.2 under envoy@2")
    for png in ("prim_tradeoff.png", "prim_box.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    # the analysis again on the same runs: reused, not simulated again
    again = run_command(*SMOKE, f"experiment.out_dir={tmp_path}", "scenario=kenya_2008",
                        "experiment.settings.min_density=0.6")  # fmt: skip
    assert again.returncode == 0 and "reusing the runs" in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "experiments.csv"), frame)


def test_a_threshold_no_world_reaches_is_a_one_line_error(tmp_path):
    result = run_command(
        *SMOKE, "experiment.samples=4", "experiment.settings.case_threshold=1.0",
        "experiment.settings.horizon_weeks=1",  # no world can turn violent in one week
        f"experiment.out_dir={tmp_path}",
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: experiment.settings.case_threshold: got 1.0; no world is a case")
    )
    assert not (tmp_path / "prim_boxes.csv").exists()


def test_robustness_table_regret_against_the_best_policy_of_each_world():
    frame = pd.DataFrame({
        "scenario": [0, 0, 1, 1, 2, 2],
        "policy": ["a", "b"] * 3,
        "p_violence": [0.5, 0.3, 0.2, 0.4, 0.6, 0.6],
        "mean_cost": [0.0, 1.0] * 3,
    })  # fmt: skip
    table = sd.robustness_table(frame).set_index("policy")
    assert table.loc["a", "mean_regret"] == pytest.approx((0.2 + 0 + 0) / 3)
    assert table.loc["b", "mean_regret"] == pytest.approx((0 + 0.2 + 0) / 3)
    assert table.loc["a", "max_regret"] == pytest.approx(0.2)
    assert table.loc["b", "share_best"] == pytest.approx(2 / 3)  # a tie counts as best
    assert table.loc["a", "mean_p_violence"] == pytest.approx(1.3 / 3)
    assert (
        table.loc["a", "mean_low"] < table.loc["a", "mean_p_violence"] < table.loc["a", "mean_high"]
    )
    assert table.loc["b", "mean_cost"] == 1.0


def test_the_box_kept_is_the_widest_dense_one():
    trajectory = pd.DataFrame({"coverage": [1.0, 0.9, 0.7, 0.4], "density": [0.3, 0.6, 0.85, 0.95]})
    assert sd.chosen_index(trajectory, 0.8) == 2
    assert sd.chosen_index(trajectory, 0.99) == 3  # none dense enough: the densest


def test_settings_are_checked():
    conf = sd.settings_from({"samples": 10, "replicates": 5, "settings": {"scenario": "x"}})
    assert (conf.samples, conf.replicates, conf.scenario) == (10, 5, "x")
    assert (
        sd.settings_from({"settings": {"scenario": "a", "scenario_file": "b.yaml"}}).scenario
        == "b.yaml"
    )
    with pytest.raises(SimInputError, match=r"experiment.settings: got \['worlds'\]"):
        sd.settings_from({"settings": {"worlds": 3}})
    with pytest.raises(SimInputError, match="experiment.samples: got 1"):
        sd.settings_from({"samples": 1})
    with pytest.raises(SimInputError, match="case_threshold: got 1.5"):
        sd.settings_from({"settings": {"case_threshold": 1.5}})
    assert math.isnan(sd._qp(-1))
