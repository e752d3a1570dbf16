"""Stylised facts (``sim/data/stylised_facts.csv``) and the model quantities they are compared
with: the scoring behind the pattern-oriented calibration (docs/stylised_facts.md).

:func:`model_quantities` computes, for one parameter set, every quantity the model can give
cheaply; facts whose quantity is not computed here are reported as such and not scored.
:func:`score` turns quantities into per-fact distances: 0 inside the fact's interval, otherwise
the distance to the interval in interval widths.

Example:
    >>> facts = load_facts()
    >>> "relapse_share_260w" in {f["model_quantity"] for f in facts if f["weight"] > 0}
    True
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .episodes import find_episodes, kaplan_meier, recurrence_share
from .params import VIOLENCE, Parameters
from .policy import Policy
from .scenario import Scenario

FACTS_FILE = Path(__file__).resolve().parent / "data" / "stylised_facts.csv"


def load_facts(path: Path = FACTS_FILE) -> list[dict]:
    """The facts table as dicts; numbers parsed (``value`` None where the fact is a direction)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["value"] = float(row["value"]) if row["value"] else None
        for key in ("low", "high", "weight"):
            row[key] = float(row[key])
    return rows


# ---------------------------------------------------------------- model quantities
def _episode_quantities(params: Parameters, replicates: int, weeks: int, seed: int) -> dict:
    from .ensemble import run_stage_history

    history = run_stage_history(
        policy="none", replicates=replicates, horizon_weeks=weeks, seed=seed, params=params
    )
    episodes = find_episodes(history, params.calm_stage)
    ended = episodes["end"] >= 0
    durations = np.where(ended, episodes["end"], weeks) - episodes["start"]
    return {
        "relapse_share_260w": recurrence_share(episodes, 260, weeks),
        "relapse_share_520w": recurrence_share(episodes, 520, weeks),
        "war_episode_rmst_weeks_1040": restricted_mean(durations, ended, min(1040, weeks)),
    }


def restricted_mean(durations: np.ndarray, observed: np.ndarray, tau: int) -> float:
    """Restricted mean survival time up to ``tau`` (area under the Kaplan-Meier curve)."""
    if durations.size == 0:
        return float("nan")
    times, survival = kaplan_meier(durations, observed)
    keep = times < tau
    edges = np.concatenate([[0.0], times[keep], [tau]])
    heights = np.concatenate([[1.0], survival[keep]])
    return float(np.sum(np.diff(edges) * heights))


def _default_region_quantities(params: Parameters, replicates: int, seed: int) -> dict:
    from .ensemble import run_final_states
    from .scenarios_io import default_scenario

    scenario = default_scenario()
    parties, out = run_final_states(
        scenario, "none", replicates=replicates, seed=seed, params=params
    )
    onset = parties.onset_week >= 0
    history = scenario.history.astype(bool)[None, :]
    warned = parties.flagged
    sensitivity = (warned & onset).sum() / max(onset.sum(), 1)
    specificity = (~warned & ~onset).sum() / max((~onset).sum(), 1)
    return {
        "violence_share_104w_from_crisis": float(out["violence"].mean()),
        "onset_share_with_history_mixed": float((onset & history).sum() / max(onset.sum(), 1)),
        "warning_balanced_accuracy_104w": float((sensitivity + specificity) / 2),
    }


def dyad_scenario(stage: str, tension: float = 0.8) -> Scenario:
    """A government and an armed group in one hot rivalry, both at ``stage``; a UN envoy."""
    return Scenario.from_records(
        "dyad_" + stage,
        parties=[
            dict(
                id="gov",
                kind="government",
                grievance=0.5,
                capability=0.7,
                will_to_settle=0.5,
                stage=stage,
            ),
            dict(
                id="rebels",
                kind="armed_group",
                grievance=0.6,
                capability=0.5,
                will_to_settle=0.5,
                stage=stage,
            ),
        ],
        relations=[dict(between=["gov", "rebels"], kind="rivalry", tension=tension)],
        mediators=[dict(id="envoy", credibility=0.8, capacity=1, impartiality=0.8)],
        un=dict(unity=0.8, leverage=0.6, warning_quality=0.6, warning_threshold=0.6),
    )


def out_of_violence(
    stage: str, policy, params: Parameters, replicates: int, seed: int, weeks: int = 30
) -> np.ndarray:
    """Per replicate: 1.0 if both parties of :func:`dyad_scenario` are below violence after
    ``weeks`` weeks (the success measure of the mediation and sanctions facts)."""
    from .ensemble import run_final_states

    parties, _ = run_final_states(
        dyad_scenario(stage),
        policy,
        replicates=replicates,
        horizon_weeks=weeks,
        seed=seed,
        params=params,
    )
    return np.all(parties.stage < VIOLENCE, axis=1).astype(float)


def _dyad_quantities(params: Parameters, replicates: int, seed: int) -> dict:
    low = out_of_violence("violence", Policy("envoy"), params, replicates, seed)
    high = out_of_violence("war", Policy("envoy"), params, replicates, seed)
    sanctions = out_of_violence("violence", Policy("sanctions"), params, replicates, seed)
    return {
        "envoy_success_share_violence_30w": float(low.mean()),
        "envoy_success_share_war_30w": float(high.mean()),
        "envoy_success_gap_violence_minus_war": float(low.mean() - high.mean()),
        "sanctions_success_share_violence_30w": float(sanctions.mean()),
    }


def model_quantities(
    params: Parameters | None = None,
    *,
    replicates: int = 1000,
    history_replicates: int = 100,
    history_weeks: int = 1040,
    seed: int = 0,
) -> dict[str, float]:
    """Every model quantity of the facts table this module computes, for one parameter set."""
    params = params if params is not None else Parameters()
    return {
        **_default_region_quantities(params, replicates, seed),
        **_dyad_quantities(params, replicates, seed),
        **_episode_quantities(params, history_replicates, history_weeks, seed),
    }


# ---------------------------------------------------------------- scoring
#: Distance given to a quantity the run could not measure (e.g. no episode ever ended).
UNMEASURED = 3.0


def fact_distance(value: float, low: float, high: float) -> float:
    """0 inside ``[low, high]``, else the distance to the interval in interval widths; an
    unmeasurable quantity (NaN) counts as ``UNMEASURED`` widths away."""
    if math.isnan(value):
        return UNMEASURED
    width = max(high - low, 1e-12)
    return max(low - value, value - high, 0.0) / width


def score(quantities: dict[str, float], facts: list[dict] | None = None) -> dict:
    """Per-fact distances, the weighted total and whether the set is accepted: every scored
    fact within 2 interval widths and the total at most 0.1 x the sum of weights."""
    facts = facts if facts is not None else load_facts()
    scored = [f for f in facts if f["weight"] > 0 and f["model_quantity"] in quantities]
    distances = {
        f["name"]: fact_distance(quantities[f["model_quantity"]], f["low"], f["high"])
        for f in scored
    }
    total = sum(f["weight"] * distances[f["name"]] for f in scored)
    weights = sum(f["weight"] for f in scored)
    worst = max(distances.values(), default=0.0)
    return {
        "distances": distances,
        "total": total,
        "accepted": bool(worst <= 2.0 and total <= 0.1 * weights),
        "not_computed": sorted(
            f["name"] for f in facts if f["weight"] > 0 and f["model_quantity"] not in quantities
        ),
    }
