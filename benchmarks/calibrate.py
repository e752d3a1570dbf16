"""Calibration helper: P(violence) and friends for the default scenario under each instrument.

Usage: python benchmarks/calibrate.py [param=value ...] [--ts] [--scenario NAME] [--reps N]
Parameters are dotted names of ``sim.Parameters`` (``tension_decay=0.05``,
``instruments.envoy.deploy_weeks=3``). Prints a table; with --ts also the mean weekly stage
counts of the no-action baseline.
"""

import sys

import sim
from sim.ensemble import run_timeseries


def parse_value(name: str, text: str):
    """``text`` as the type of the parameter's default (int, bool or float)."""
    default = sim.Parameters().flat().get(name)
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(text)
    return float(text)


args = [a for a in sys.argv[1:] if "=" in a]
flags = [a for a in sys.argv[1:] if "=" not in a]
overrides = {}
for a in args:
    k, v = a.split("=")
    overrides[k] = parse_value(k, v)
params = sim.Parameters().replace(overrides)
reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in flags else 1000
scenario = sim.default_scenario()
if "--scenario" in flags:
    from sim.scenarios_io import load_scenario

    scenario = load_scenario(sys.argv[sys.argv.index("--scenario") + 1])
policies = ["none"] + [
    sim.Policy(i, lag_weeks=lag) for lag in (0, 8, 26) for i in sim.INSTRUMENTS[1:]
]
df = sim.run_ensemble(scenario, policies=policies, replicates=reps, params=params)
cols = [
    "violence",
    "war",
    "relapse",
    "peak_violent",
    "party_weeks_violent",
    "warning_week",
    "arrival_week",
    "mediation_successes",
    "cost",
]
print(df.groupby("policy", sort=False)[cols].mean().round(3).to_string())
if "--ts" in flags:
    acc = None
    for r in range(100):
        ts, _ = run_timeseries(scenario, "none", seed=0, replicate=r, params=params)
        acc = ts if acc is None else acc + ts
    print((acc / 100).iloc[::8].round(2).to_string())
