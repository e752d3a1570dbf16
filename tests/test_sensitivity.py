"""The sensitivity analysis (experiments/sensitivity.py): factors, projection, outcomes, and
the Morris and Sobol plumbing on tiny runs and on an analytic function."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from experiments import sensitivity as sa
from sim.params import INSTRUMENTS, STAGE_NAMES, Parameters, iter_fields
from sim.state import OUTCOME_DTYPE

ROW_FIELDS_NOT_VARIED = {
    "deploy_weeks",
    "duration_weeks",
    "cost_fixed",
    "cost_weekly",
    "mediation",
    "coercive",
}


def test_factors_cover_every_parameter_row_and_switch():
    names = {f.name for f in sa.all_factors()}
    scalars = {f.name for f in dataclasses.fields(Parameters) if "range" in f.metadata}
    instruments = [n for n in INSTRUMENTS if n != "none"]
    switches = {f"mechanisms.{f.name}" for f in dataclasses.fields(Parameters().mechanisms)}
    assert scalars <= names and switches <= names
    assert {f"instruments.{n}" for n in instruments} <= names
    assert {f"stage_effect.{n}" for n in instruments} <= names
    assert len(names) == len(sa.all_factors()) == len(scalars) + 2 * len(instruments) + 8
    for name, _, _ in iter_fields(Parameters()):  # every leaf is varied, or deliberately not
        head, _, leaf = name.rpartition(".")
        varied = name in names or head in names and (leaf in sa.FORCE_FIELDS or leaf in STAGE_NAMES)
        assert varied or leaf in ROW_FIELDS_NOT_VARIED, name


def test_factor_values_fit_their_ranges():
    by_name = {f.name: f for f in sa.all_factors()}
    assert [by_name["calm_stage"].value(u) for u in (0, 1 / 3, 2 / 3, 1)] == [0, 1, 2, 2]
    assert by_name["mechanisms.ripeness"].value(0.4) is False
    assert by_name["mechanisms.ripeness"].value(0.6) is True
    assert by_name["instruments.envoy"].value(0.0) == 0.5
    assert by_name["tension_decay"].value(1.0) == pytest.approx(0.06)


def test_multipliers_scale_the_row_and_clip():
    envoy = sa.select_factors(["instruments.peacekeeping", "stage_effect.envoy"])
    over = sa.overrides_for(envoy, [1.0, 1.0])
    assert over["instruments.peacekeeping.escalation_cap"] == 1.0  # 0.7 x 1.5 clipped
    assert over["instruments.peacekeeping.leverage"] == pytest.approx(0.45)
    assert over["stage_effect.envoy.violence"] == pytest.approx(0.9)
    assert "instruments.peacekeeping.cost_fixed" not in over


def test_projected_samples_are_valid_parameters():
    factors = sa.all_factors()
    rng = np.random.default_rng(0)
    rows = np.vstack(
        [np.zeros(len(factors)), np.ones(len(factors)), rng.random((40, len(factors)))]
    )
    for row in rows:
        assert isinstance(sa.parameters_for(factors, row), Parameters)


def test_projection_repairs_invalid_samples():
    bad = {
        "threshold_dispute": 0.7,
        "threshold_crisis": 0.5,
        "threshold_violence": 0.5,
        "threshold_war": 0.2,
        "escalation_rate": 0.6,
        "deescalation_rate": 0.4,
        "settle_bonus": 0.5,
    }
    p = Parameters().replace(sa.project(bad))
    assert list(p.thresholds()) == sorted(p.thresholds())
    assert p.threshold_dispute == 0.2 and p.threshold_war == 0.7
    total = p.escalation_rate + p.deescalation_rate + p.settle_bonus
    assert total <= 1.0 and p.escalation_rate / p.settle_bonus == pytest.approx(1.2)
    assert sa.project({"tension_decay": 0.05}) == {"tension_decay": 0.05}


def test_prevention_window_interpolates_and_caps():
    lags = (0, 4, 8)
    assert sa.prevention_window(lags, [0.2, 0.15, 0.05]) == pytest.approx(4 + 4 * 0.05 / 0.1)
    assert sa.prevention_window(lags, [0.2, 0.19, 0.18]) == 8.0
    assert sa.prevention_window(lags, [0.0, 0.1, 0.1]) == 0.0


def test_rrr_after_arrival_drops_onsets_before_arrival():
    none, envoy = np.zeros(4, OUTCOME_DTYPE), np.zeros(4, OUTCOME_DTYPE)
    none["violence"] = [1, 1, 1, 0]
    envoy["violence"] = [1, 0, 1, 0]
    envoy["arrival_week"] = [5, 5, -1, 5]
    envoy["onset_week"] = [3, -1, 9, -1]
    # replicates 0 (onset before arrival) and 2 (never arrived) are dropped: 1 - 0 / (1/2)
    assert sa.rrr_after_arrival(none, envoy) == 1.0
    envoy["onset_week"][0] = 8
    assert sa.rrr_after_arrival(none, envoy) == pytest.approx(1 - (1 / 3) / (2 / 3))


def _cfg(**kw):
    return {**sa.DEFAULTS, "replicates": 30, **kw}


def test_tiny_morris_run_writes_its_table(tmp_path):
    factors = sa.select_factors(["tension_decay", "instruments.envoy", "mechanisms.ripeness"])
    cfg = _cfg(morris_trajectories=2)
    model = sa.simulation_model(factors, cfg["replicates"], 0)
    sa.run_morris(factors, cfg, model, tmp_path, echo=False)
    table = pd.read_csv(tmp_path / "morris.csv")
    assert list(table.columns) == ["parameter", "outcome", "mu_star", "mu_star_conf", "sigma"]
    assert len(table) == 3 * len(sa.OUTCOMES)
    assert len(pd.read_csv(tmp_path / "morris_runs.csv")) == 2 * (3 + 1)
    assert (table["mu_star"] >= 0).all()


def test_tiny_sobol_run_writes_its_table(tmp_path):
    factors = sa.select_factors(["tension_decay", "stage_effect.envoy"])
    cfg = _cfg(sobol_base=8)
    sa.run_sobol(factors, cfg, sa.simulation_model(factors, 20, 0), tmp_path, echo=False)
    table = pd.read_csv(tmp_path / "sobol.csv")
    assert set(table.columns) == {"parameter", "S1", "S1_conf", "ST", "ST_conf", "outcome"}
    assert list(table.columns)[:5] == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(pd.read_csv(tmp_path / "sobol_runs.csv")) == 8 * (2 + 2)


def _ishigami_factors():
    return [sa.Factor(f"x{i}", "float", -math.pi, math.pi, f"x{i}") for i in (1, 2, 3, 4)]


def _ishigami(row: np.ndarray) -> dict[str, float]:
    """Ishigami (a = 7, b = 0.1) of x1..x3; x4 does not enter."""
    x = [-math.pi + u * 2 * math.pi for u in row]
    return {"y": math.sin(x[0]) + 7 * math.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * math.sin(x[0])}


def test_sobol_plumbing_on_ishigami():
    factors = _ishigami_factors()
    design = sa.sobol_design(factors, 1024, False, seed=1)
    y = sa.evaluate(_ishigami, design, ["y"])
    t = sa.sobol_table(factors, y, ["y"], False, seed=1).set_index("parameter")
    assert abs(t.loc["x4", "ST"]) < 0.01 and abs(t.loc["x4", "S1"]) < 0.01
    assert t.loc["x1", "S1"] == pytest.approx(0.314, abs=0.05)
    assert t.loc["x2", "S1"] == pytest.approx(0.442, abs=0.05)
    assert t.loc["x3", "ST"] == pytest.approx(0.244, abs=0.05)


def test_morris_plumbing_on_ishigami():
    factors = _ishigami_factors()
    design = sa.morris_design(factors, 20, 4, seed=1)
    y = sa.evaluate(_ishigami, design, ["y"])
    t = sa.morris_table(factors, design, y, ["y"], 4, seed=1).set_index("parameter")
    assert t.loc["x4", "mu_star"] == 0.0
    assert min(t.loc[["x1", "x2", "x3"], "mu_star"]) > 0
    assert sa.top_factors(t.reset_index(), 3) == sorted(
        sa.top_factors(t.reset_index(), 3), key=lambda n: -t.loc[n, "mu_star"]
    )
    assert "x4" not in sa.top_factors(t.reset_index(), 3)


def test_runs_file_is_reused_and_extended(tmp_path):
    factors, calls = _ishigami_factors(), []

    def counting(row):
        calls.append(1)
        return _ishigami(row)

    path = tmp_path / "runs.csv"
    small = sa.sobol_design(factors, 8, False, seed=1)
    large = sa.sobol_design(factors, 16, False, seed=1)
    y_small = sa.evaluate_cached(counting, small, factors, ["y"], path, echo=False)
    assert len(calls) == len(small) and len(pd.read_csv(path)) == len(small)
    y_large = sa.evaluate_cached(counting, large, factors, ["y"], path, echo=False)
    assert len(calls) == len(large)  # the base-8 design is the start of the base-16 one
    np.testing.assert_array_equal(y_large[: len(small)], y_small)
    np.testing.assert_allclose(y_large, sa.evaluate(_ishigami, large, ["y"]))
    sa.evaluate_cached(counting, small, factors, ["y"], path, echo=False)
    assert len(calls) == len(large) and len(pd.read_csv(path)) == len(large)


def test_run_experiment_end_to_end(tmp_path):
    cfg = {
        "morris_trajectories": 2,
        "sobol_base": 4,
        "replicates": 5,
        "top_k": 2,
        "factors": ["tension_decay", "weight_tension", "mechanisms.contagion"],
    }
    paths = sa.run_experiment(cfg, tmp_path, echo=False)
    assert all(p.stat().st_size > 0 for p in paths.values())
    assert {f"sobol_{o}" for o in sa.OUTCOMES} <= set(paths)
    sobol = pd.read_csv(paths["sobol"])
    assert set(sobol["parameter"]) == {"tension_decay", "weight_tension"}  # no switch
    summary = json.loads(paths["summary"].read_text())
    assert summary["morris_runs"] == 2 * 4 and summary["sobol_runs"] == 4 * (2 + 2)
