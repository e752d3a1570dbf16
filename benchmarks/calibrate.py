"""Calibration helper: P(violence) and friends for the default scenario under each instrument.

Usage: python benchmarks/calibrate.py [param=value ...] [--ts] [--scenario NAME] [--reps N]
Prints a table; with --ts also the mean weekly stage counts of the no-action baseline.
"""

import sys

import sim
from sim.ensemble import run_timeseries

args = [a for a in sys.argv[1:] if "=" in a]
flags = [a for a in sys.argv[1:] if "=" not in a]
overrides = {}
for a in args:
    k, v = a.split("=")
    overrides[k] = int(v) if k in ("warning_persistence_weeks", "calm_stage") else float(v)
params = sim.Parameters(**overrides)
reps = 1000
scenario = sim.default_scenario()
if "--scenario" in flags:
    from sim.scenarios_io import load_scenario

    scenario = load_scenario(sys.argv[sys.argv.index("--scenario") + 1])
policies = ["none"] + [sim.Policy(i, lag_weeks=lag) for lag in (0, 8, 26) for i in sim.INSTRUMENTS[1:]]
df = sim.run_ensemble(scenario, policies=policies, n_replicates=reps, params=params)
cols = ["violence", "war", "relapse", "peak_violent", "party_weeks_violent", "warning_week",
        "arrival_week", "mediation_successes", "cost"]
print(df.groupby("policy", sort=False)[cols].mean().round(3).to_string())
if "--ts" in flags:
    acc = None
    for r in range(100):
        ts, _ = run_timeseries(scenario, "none", seed=0, replicate=r, params=params)
        acc = ts if acc is None else acc + ts
    print((acc / 100).iloc[::8].round(2).to_string())
