"""Warning to action: how fast does the benefit of preventive action decay with the decision lag?

    python -m experiments.warning_to_action                   # 63 cells x 2,000 replicates
    python -m experiments.warning_to_action scenario=kenya_2008 run.replicates=5000
    python -m experiments.warning_to_action -m hydra/launcher=joblib     # one job per cell
    python -m experiments.warning_to_action -m experiment.n_blocks=4     # and per replicate block

For a scenario, sweeps the decision lag (0, 1, 2, 4, 8, 12, 16, 26, 52 weeks after the first
warning) x the instrument (none, statement, fact_finding, envoy, sanctions, peacekeeping,
development), each cell paired with the no-action baseline on the same replicates (source paras
44-47, 66: "early warning is useful only if it leads to early action"). Writes ``summary.csv``,
``summary.parquet``, ``warning_to_action.png``, ``prevention_window.csv``, ``decomposition.csv``
(the lag effect split into onsets before the late action arrived and the state it met),
``km_onset.csv`` and ``km_onset.png`` (time to the first onset) into ``experiment.out_dir``
(default ``outputs/experiments/warning_to_action-<scenario>``). The config is
``conf/experiments.yaml`` with ``conf/experiment/warning_to_action.yaml``; the same app runs the
260-week version (``experiment=warning_to_action_260``) and the companion experiments with
``experiment=<name>`` (see docs/experiments.md).
"""

from experiments.app import main

if __name__ == "__main__":
    main()
