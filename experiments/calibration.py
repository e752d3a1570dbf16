"""Pattern-oriented calibration: sample the parameter space, score every set against the
stylised facts (``sim/data/stylised_facts.csv``), keep the accepted sets.

Two rounds of Latin-hypercube sampling (a simple sequential rejection scheme in the spirit of
ABC): round 1 samples the plausible range of every free parameter; round 2 samples the box
spanned by the best ``elite`` sets of round 1. A set is *accepted* when every scored fact lies
within two interval widths and the weighted total distance is at most 0.1 x the sum of weights
(``sim.facts.score``). Outputs in ``out_dir``:

* ``accepted_parameters.parquet``: every sampled set (parameters, model quantities, distances,
  total, round, accepted);
* ``fit_table.csv``: per fact, the published value and interval, the model value of the best
  set, and the range over the accepted sets;
* ``calibration.png``: each fact's distance for every accepted set.

    python -m experiments.calibration --samples 300 --out outputs/experiments/calibration
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from . import ensure_numba_cache

ensure_numba_cache()

from sim.errors import SimInputError  # noqa: E402
from sim.facts import load_facts, model_quantities, score  # noqa: E402
from sim.params import Parameters, iter_fields  # noqa: E402

#: The free parameters: what the facts can inform (the rest keep their sourced defaults).
FREE = (
    "tension_drift", "incident_rate", "escalation_rate", "deescalation_rate",
    "threshold_violence", "hysteresis", "weight_tension", "weight_grievance", "weight_history",
    "weight_weariness", "hurt_rate", "hurt_decay", "mediation_success", "ripeness_gain",
    "lock_in_rate", "attention_deterrence_weight", "observation_noise",
)  # fmt: skip
#: Ranges that differ from the schema's plausible range (wide where the default is a guess).
RANGES = {
    "weight_weariness": (0.1, 2.0),
    "hurt_rate": (0.002, 0.03),
    "hurt_decay": (0.0005, 0.01),
    "ripeness_gain": (0.0, 4.0),
    "weight_history": (0.05, 0.4),
}


def free_ranges(names: tuple[str, ...] = FREE) -> dict[str, tuple[float, float]]:
    """Sampling range of each free parameter: ``RANGES`` or the schema's plausible range."""
    fields = {name: f for name, f, _ in iter_fields(Parameters())}
    return {n: RANGES.get(n, fields[n].metadata["plausible"]) for n in names}


def latin_hypercube(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> list[dict]:
    """``n`` parameter dicts, a scrambled Latin hypercube over ``ranges`` (seeded)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    lows = np.array([lo for lo, _ in ranges.values()])
    highs = np.array([hi for _, hi in ranges.values()])
    return [dict(zip(ranges, map(float, lows + u * (highs - lows)), strict=True)) for u in unit]


def evaluate(overrides: dict, evaluation: dict) -> dict | None:
    """Quantities, distances and total of one parameter set; None if the set is invalid
    (thresholds out of order, transition probabilities above 1)."""
    try:
        params = Parameters().replace(overrides)
    except SimInputError:
        return None
    quantities = model_quantities(params, **evaluation)
    result = score(quantities)
    return {**overrides, **quantities,
            **{f"distance.{k}": v for k, v in result["distances"].items()},
            "total": result["total"], "accepted": result["accepted"]}


def run_round(samples: list[dict], evaluation: dict, label: int, echo: bool) -> list[dict]:
    rows = []
    t0 = time.perf_counter()
    for k, overrides in enumerate(samples):
        row = evaluate(overrides, evaluation)
        if row is not None:
            rows.append({**row, "round": label})
        if echo and (k + 1) % 10 == 0:
            print(f"round {label}: {k + 1}/{len(samples)} sets, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
    return rows


def elite_box(rows: list[dict], elite: int) -> dict[str, tuple[float, float]]:
    """The box spanned by the ``elite`` best sets (lowest total distance)."""
    best = sorted(rows, key=lambda r: r["total"])[:elite]
    return {n: (min(r[n] for r in best), max(r[n] for r in best)) for n in FREE}


def calibrate(samples: int, seed: int, evaluation: dict, echo: bool = False) -> list[dict]:
    """Both rounds; every evaluated set, best first."""
    first = run_round(latin_hypercube(free_ranges(), samples, seed), evaluation, 1, echo)
    box = elite_box(first, max(5, samples // 10))
    second = run_round(latin_hypercube(box, samples, seed + 1), evaluation, 2, echo)
    return sorted(first + second, key=lambda r: r["total"])


def fit_table(rows: list[dict]):
    """Per fact: published value and interval, the best set's model value and distance, and the
    model values' range over the accepted sets (over the 10 best if none is accepted)."""
    import pandas as pd

    accepted = [r for r in rows if r["accepted"]] or rows[:10]
    table = []
    for fact in load_facts():
        q = fact["model_quantity"]
        if fact["weight"] <= 0 or q not in rows[0]:
            continue
        values = [r[q] for r in accepted]
        table.append({"fact": fact["name"], "model_quantity": q, "published": fact["value"],
                      "low": fact["low"], "high": fact["high"], "best": rows[0][q],
                      "best_distance": rows[0][f"distance.{fact['name']}"],
                      "accepted_min": min(values), "accepted_max": max(values),
                      "weight": fact["weight"]})
    return pd.DataFrame(table)


def figure(rows: list[dict], path: Path) -> None:
    """Distance to each fact's interval (interval widths; 0 = inside) for the kept sets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kept = [r for r in rows if r["accepted"]] or rows[:10]
    names = [k.removeprefix("distance.") for k in rows[0] if k.startswith("distance.")]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(names) + 1.5))
    for k, r in enumerate(kept):
        ax.scatter([r[f"distance.{n}"] for n in names], range(len(names)), s=12, alpha=0.5,
                   color="#7570b3", label="kept parameter sets" if k == 0 else None)
    ax.scatter([rows[0][f"distance.{n}"] for n in names], range(len(names)), marker="x",
               color="black", label="best set (the defaults)")
    ax.axvline(2.0, color="grey", ls="--", lw=1, label="acceptance limit (2 widths)")
    ax.set_yticks(range(len(names)), [n.replace("_", " ") for n in names])
    ax.set_xlabel("distance to the published interval (interval widths; 0 = inside, lower is "
                  "better)")
    ax.set_title("Calibration: fit of the kept parameter sets to the stylised facts")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(rows: list[dict], out_dir: Path) -> dict[str, Path]:
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"sets": out_dir / "accepted_parameters.parquet", "fit": out_dir / "fit_table.csv",
             "figure": out_dir / "calibration.png"}
    tmp = paths["sets"].with_suffix(".tmp")
    pd.DataFrame(rows).to_parquet(tmp, index=False)
    tmp.replace(paths["sets"])
    tmp = paths["fit"].with_suffix(".tmp")
    fit_table(rows).to_csv(tmp, index=False)
    tmp.replace(paths["fit"])
    figure(rows, paths["figure"])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibration",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="sets per round")
    parser.add_argument("--replicates", type=int, default=600)
    parser.add_argument("--history-replicates", type=int, default=40)
    parser.add_argument("--history-weeks", type=int, default=1040)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("outputs/experiments/calibration"))
    a = parser.parse_args(argv)
    evaluation = {"replicates": a.replicates, "history_replicates": a.history_replicates,
                  "history_weeks": a.history_weeks, "seed": a.seed}
    rows = calibrate(a.samples, a.seed, evaluation, echo=True)
    paths = write(rows, a.out)
    n_acc = sum(r["accepted"] for r in rows)
    print(f"{n_acc} of {len(rows)} sets accepted; best total distance {rows[0]['total']:.3f}")
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
