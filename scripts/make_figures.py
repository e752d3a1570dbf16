"""Regenerate every number and figure quoted in README.md, docs/ODD.md and docs/ from one commit.

    make figures            # = python scripts/make_figures.py

Prints the commit the numbers come from (and refuses a dirty tree unless ``--allow-dirty``),
then:

1. runs the warning-to-action experiment (``experiments.warning_to_action``, 2,000 paired
   replicates per cell), its 260-week companion and the warning-quality experiment, and copies
   their figures and tables into ``docs/figures/``;
2. measures every pattern of ``tests/test_patterns.py`` and its knock-out twin with the very
   functions the tests assert on, into ``docs/figures/patterns.md``;
3. from the committed calibration (``docs/figures/calibration``), the headline over the kept
   parameter sets into ``docs/figures/headline_over_parameter_sets.csv``;
4. writes ``docs/figures/provenance.json`` (commit, date, commands).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
EXPERIMENT_OUT = ROOT / "outputs" / "experiments" / "warning_to_action-figures"
LONG_OUT = ROOT / "outputs" / "experiments" / "warning_to_action_260-figures"
QUALITY_OUT = ROOT / "outputs" / "experiments" / "warning_quality-figures"
CALIBRATION_OUT = ROOT / "docs" / "figures" / "calibration"  # the committed calibration
COPIED = (
    "warning_to_action.png",
    "km_onset.png",
    "summary.csv",
    "decomposition.csv",
    "prevention_window.csv",
    "km_onset.csv",
)


def commit(allow_dirty: bool) -> str:
    """The commit of the working tree; a dirty tree is refused unless allowed."""
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if dirty and not allow_dirty:
        sys.exit(
            f"error: the tree has uncommitted changes; commit first (or --allow-dirty)\n{dirty}"
        )
    return sha + ("-dirty" if dirty else "")


def warning_to_action() -> list[str]:
    """The headline sweep (104 weeks) and its 260-week companion (delay or prevention)."""
    cmd = [
        sys.executable,
        "-m",
        "experiments.warning_to_action",
        "run.replicates=2000",
        f"experiment.out_dir={EXPERIMENT_OUT}",
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)
    for name in COPIED:
        if (EXPERIMENT_OUT / name).exists():
            shutil.copy2(EXPERIMENT_OUT / name, FIGURES / name)
    long = [
        sys.executable,
        "-m",
        "experiments",
        "experiment=warning_to_action_260",
        "run.replicates=2000",
        f"experiment.out_dir={LONG_OUT}",
    ]
    subprocess.run(long, cwd=ROOT, check=True)
    shutil.copy2(LONG_OUT / "summary.csv", FIGURES / "summary_260.csv")
    quality = [
        sys.executable,
        "-m",
        "experiments",
        "experiment=warning_quality",
        "run.replicates=2000",
        f"experiment.out_dir={QUALITY_OUT}",
    ]
    subprocess.run(quality, cwd=ROOT, check=True)
    for name in ("warning_quality.png", "warning_quality.csv"):
        shutil.copy2(QUALITY_OUT / name, FIGURES / name)
    return [" ".join(c[1:]) for c in (cmd, long, quality)]


def load_pattern_tests():
    spec = importlib.util.spec_from_file_location(
        "test_patterns", ROOT / "tests" / "test_patterns.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pattern_rows(t) -> list[tuple[str, str, tuple]]:
    """(pattern, arm, (estimate, low, high)) for every pattern and its twin."""
    flat = t.P.replace({"stage_effect.envoy": {"violence": 1.0, "war": 1.0}})
    no_means = t.without("attention_deterrence", params=t.P.replace({"mediation_success": 0.0}))

    def mediations(p):
        return t.paired_difference(t.mediations("violence", p), t.mediations("war", p))

    return [
        ("history raises onset (share of parties)", "default", t.history_effect(t.P)),
        ("", "weight_history = 0", t.history_effect(t.P.replace({"weight_history": 0.0}))),
        ("envoy mediations, violence minus war", "default", mediations(t.P)),
        ("", "flat envoy stage row", mediations(flat)),
        (
            "late minus early envoy mediations, crisis dyad",
            "lock-in only",
            t.late_minus_early("crisis", t.without("ripeness")),
        ),
        ("", "ripeness only", t.late_minus_early("crisis", t.without("escalation_lock_in"))),
        ("", "both on (default)", t.late_minus_early("crisis", t.P)),
        ("", "both off", t.late_minus_early("crisis", t.without("ripeness", "escalation_lock_in"))),
        ("", "war dyad, both on", t.late_minus_early("war", t.P)),
        ("early sanctions minus no action, P(violence)", "default", t.early_sanctions_effect(t.P)),
        ("", "no backlash", t.early_sanctions_effect(t.without("sanctions_backlash"))),
        ("envoy effect, united minus divided", "default", t.unity_gap(t.P)),
        ("", "unity_floor = 1", t.unity_gap(t.P.replace({"unity_floor": 1.0}))),
        ("kin onset across the border", "default", t.kin_onset_effect(t.P)),
        ("", "no contagion", t.kin_onset_effect(t.without("contagion"))),
        *warning_rows(t),
        ("P(relapse), early withdrawal minus staying", "default", t.withdrawal_effect(t.P)),
        ("", "no mediation, no attention", t.withdrawal_effect(no_means)),
    ]


def warning_rows(t) -> list[tuple[str, str, tuple]]:
    off = t.without("warning_targeting", "false_alarm_cost")
    rows = []
    for threshold in t.THRESHOLDS:
        name = f"P(violence), uninformative minus informative observer, threshold {threshold}"
        rows.append((name, "default", t.noisy_minus_informed(t.P, threshold)))
        rows.append(
            ("", "no targeting, no false-alarm cost", t.noisy_minus_informed(off, threshold))
        )
    return rows


def patterns_markdown(sha: str) -> str:
    t = load_pattern_tests()
    lines = [
        f"# Patterns and their knock-out twins (commit `{sha}`)",
        "",
        f"Paired differences with 95% intervals, {t.N} replicates per arm; generated by "
        "`make figures` from the functions `tests/test_patterns.py` asserts on.",
        "",
        "| pattern | arm | estimate | 95% interval |",
        "| --- | --- | ---: | --- |",
    ]
    for name, arm, (est, low, high) in pattern_rows(t):
        lines.append(f"| {name} | {arm} | {est:+.3f} | [{low:+.3f}, {high:+.3f}] |")
    return "\n".join(lines) + "\n"


def headline_over_parameter_sets() -> Path | None:
    """P(violence) and the envoy's lag-0 and lag-26 effects under each kept calibrated set."""
    sets = CALIBRATION_OUT / "accepted_parameters.parquet"
    if not sets.exists():
        return None
    import pandas as pd

    import sim
    from experiments.calibration import FREE

    kept = pd.read_parquet(sets).query("kept == True")
    rows = []
    for k, row in enumerate(kept.itertuples()):
        params = sim.Parameters().replace({n: getattr(row, n) for n in FREE})
        out = sim.simulate(
            policies=["none", "envoy", sim.Policy("envoy", lag_weeks=26)],
            replicates=2000,
            seed=1,
            params=params,
        )
        v = out["violence"].mean(axis=1)
        rows.append(
            {
                "set": k,
                "p_none": v[0],
                "envoy_lag0": v[1],
                "envoy_lag26": v[2],
                "benefit_lag0": v[0] - v[1],
                "benefit_lag26": v[0] - v[2],
            }
        )
    path = FIGURES / "headline_over_parameter_sets.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--allow-dirty", action="store_true")
    parser.add_argument("--skip-experiment", action="store_true")
    a = parser.parse_args(argv)
    sha = commit(a.allow_dirty)
    print(f"numbers and figures from commit {sha}", flush=True)
    FIGURES.mkdir(parents=True, exist_ok=True)
    commands = [] if a.skip_experiment else warning_to_action()
    (FIGURES / "patterns.md").write_text(patterns_markdown(sha))
    headline = headline_over_parameter_sets()
    provenance = {
        "commit": sha,
        "date": datetime.datetime.now(datetime.UTC).isoformat(),
        "commands": commands,
        "headline_over_parameter_sets": str(headline),
    }
    (FIGURES / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"wrote docs/figures/ from commit {sha}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
