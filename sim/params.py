"""Named constants of the model: stages, party and relation kinds, instruments, and parameters.

Every default is documented (with the source that motivates it) in ``docs/ODD.md``; this module is
the single place where the numbers live. The kernels read them from a float64 vector whose layout
is given by the ``P_*`` indices below, so adding a parameter means adding a field here, an index,
and a line in the ODD.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .errors import SimInputError, check_range

# ---------------------------------------------------------------- stages (Glasl's nine, collapsed)
STABLE, DISPUTE, CRISIS, VIOLENCE, WAR = 0, 1, 2, 3, 4
#: Escalation stages. Glasl (1982) stages 1-3 ("win-win": hardening, debate, actions not words)
#: are ``dispute``; 4-6 ("win-lose": images and coalitions, loss of face, threat strategies) are
#: ``crisis``; 7-8 ("lose-lose": limited destructive blows, fragmentation of the enemy) are
#: ``violence``; 9 ("together into the abyss") is ``war``. ``stable`` is below stage 1.
STAGE_NAMES = ("stable", "dispute", "crisis", "violence", "war")
N_STAGES = 5

PARTY_KINDS = ("government", "armed_group", "community")
RELATION_KINDS = ("rivalry", "affinity")
RIVALRY, AFFINITY = 0, 1
EVENT_KINDS = ("election", "coup", "referendum", "shock")

# ---------------------------------------------------------------- instruments
INSTRUMENTS = (
    "none",
    "statement",
    "fact_finding",
    "envoy",
    "sanctions",
    "peacekeeping",
    "development",
)
NONE, STATEMENT, FACT_FINDING, ENVOY, SANCTIONS, PEACEKEEPING, DEVELOPMENT = range(7)

# Instrument table columns (one row per instrument).
I_DEPLOY_WEEKS = 0  # weeks from decision to arrival
I_DURATION_WEEKS = 1  # default weeks active after arrival
I_COST_FIXED = 2  # stylised cost at arrival (US$ million)
I_COST_WEEKLY = 3  # stylised cost per active week (US$ million)
I_ATTENTION_PULSE = 4  # attention added to flagged parties at arrival
I_ATTENTION_WEEKLY = 5  # attention added each active week
I_TENSION_RELIEF = 6  # fraction of flagged parties' dyad tension removed each active week
I_MEDIATION = 7  # 1 if the instrument works dyads through a mediator
I_LEVERAGE = 8  # cost of violence added to hazard (times sponsor leverage)
I_CAPABILITY_CUT = 9  # fraction of capability removed each active week
I_ESCALATION_CAP = 10  # fraction of upward hazard blocked at crisis and above
I_GRIEVANCE_RELIEF = 11  # grievance removed each active week
I_BACKLASH = 12  # grievance added each active week when met at stable or dispute
N_INSTRUMENT_FIELDS = 13

#: Instrument defaults. Rows follow INSTRUMENTS; see docs/ODD.md section 7.4 for sources.
INSTRUMENT_TABLE = np.array(
    [
        # deploy dur  fixed  weekly pulse  wkly  relief med lev   capcut cap  griev backlash
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # none
        [0.0, 4.0, 0.05, 0.0, 0.6, 0.03, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # statement
        [3.0, 12.0, 1.0, 0.1, 0.4, 0.04, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # fact_finding
        [1.0, 52.0, 0.2, 0.06, 0.2, 0.02, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # envoy
        [8.0, 52.0, 1.0, 0.2, 0.1, 0.0, 0.0, 0.0, 0.05, 0.015, 0.0, 0.0, 0.004],  # sanctions
        [26.0, 104.0, 50.0, 15.0, 0.3, 0.02, 0.01, 0.0, 0.3, 0.0, 0.7, 0.001, 0.0],  # peacekeeping
        [12.0, 156.0, 5.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.004, 0.0],  # development
    ],
    dtype=np.float64,
)

#: How much of an instrument's force survives at the stage it meets (rows: instruments, cols:
#: stages). Early-stage tools lose force as stages rise; coercive tools gain it (para 14).
STAGE_EFFECTIVENESS = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.0],  # none
        [1.0, 1.0, 0.6, 0.25, 0.1],  # statement
        [1.0, 1.0, 0.7, 0.3, 0.1],  # fact_finding
        [1.0, 1.0, 0.9, 0.6, 0.2],  # envoy (Bercovitch: 64% vs 39% by intensity)
        [0.3, 0.5, 0.8, 1.0, 0.8],  # sanctions
        [0.5, 0.7, 1.0, 1.0, 0.8],  # peacekeeping
        [1.0, 0.8, 0.5, 0.2, 0.1],  # development
    ],
    dtype=np.float64,
)


@dataclass(frozen=True)
class Parameters:
    """Mechanism constants shared by all scenarios (one week per step).

    Example:
        >>> Parameters().escalation_rate
        0.15
        >>> Parameters(tension_decay=0.05).tension_decay
        0.05
    """

    # tension on rivalry dyads
    tension_drift: float = 0.045  # weekly rise per unit mean grievance, times (1 - tension)
    tension_decay: float = 0.04  # weekly fraction of tension that dissipates
    incident_rate: float = 0.05  # weekly incident probability at tension 0.5
    incident_size: float = 0.12  # largest tension jump from one incident
    violence_tension_boost: float = 0.06  # extra weekly drift when a party is in violence or war
    # stage transitions
    escalation_rate: float = 0.15  # highest weekly probability of moving one stage up
    deescalation_rate: float = 0.15  # highest weekly probability of moving one stage down
    hazard_slope: float = 15.0  # steepness of the logistic hazard in the pressure
    threshold_dispute: float = 0.35  # pressure at which stable -> dispute is at half rate
    threshold_crisis: float = 0.55  # dispute -> crisis
    threshold_violence: float = 0.66  # crisis -> violence
    threshold_war: float = 0.90  # violence -> war
    hysteresis: float = 0.10  # pressure must fall this far below a threshold to step down
    weight_tension: float = 0.65  # pressure per unit of the party's highest dyad tension
    weight_grievance: float = 0.30  # per unit grievance
    weight_contagion: float = 0.35  # per unit share of affinity neighbours in violence or war
    weight_history: float = 0.10  # for a party with a history of violence (para 29)
    weight_capability: float = 0.10  # per unit capability
    weight_will: float = 0.25  # pressure removed per unit will to settle (para 41)
    # slow variables
    grievance_recovery: float = 0.01  # weekly return of grievance towards its baseline
    violence_grievance: float = 0.01  # weekly grievance added while in violence or war
    attention_decay: float = 0.04  # weekly fraction of international attention lost
    attention_deterrence: float = 0.30  # pressure removed per unit attention
    capability_recovery: float = 0.02  # weekly return of capability towards its baseline
    # mediation
    mediation_success: float = 0.25  # weekly success probability of a perfect mediator
    mediation_tension_cut: float = 0.5  # fraction of dyad tension removed by a success
    mediation_grievance_cut: float = 0.02  # grievance removed from both parties by a success
    settle_bonus: float = 0.35  # added weekly de-escalation probability after a success
    unity_floor: float = 0.0  # share of effect left to an entirely divided sponsor (para 16)
    # early warning
    indicator_tension_weight: float = 0.7  # indicator = w * tension + (1 - w) * grievance
    observation_noise: float = 0.25  # noise sd of an observer of quality 0
    warning_persistence_weeks: int = 2  # consecutive weeks above threshold before a warning
    calm_stage: int = 1  # highest stage counted as calm (withdrawal, relapse bookkeeping)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "warning_persistence_weeks":
                check_range(f"params.{f.name}", value, 1, 52, integer=True)
            elif f.name == "calm_stage":
                check_range(f"params.{f.name}", value, 0, CRISIS, integer=True)
            elif f.name in _UNIT_INTERVAL:
                check_range(f"params.{f.name}", value, 0.0, 1.0)
            else:
                check_range(f"params.{f.name}", value, 0.0, 100.0)
        if self.escalation_rate + self.deescalation_rate + self.settle_bonus > 1.0:
            raise SimInputError(
                "params.escalation_rate+deescalation_rate+settle_bonus",
                self.escalation_rate + self.deescalation_rate + self.settle_bonus,
                "must be at most 1 so that transition probabilities stay in [0, 1]",
            )
        thresholds = self.thresholds()
        if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
            raise SimInputError(
                "params.threshold_*", thresholds, "thresholds must increase with the stage"
            )

    def thresholds(self) -> tuple[float, float, float, float]:
        return (
            self.threshold_dispute,
            self.threshold_crisis,
            self.threshold_violence,
            self.threshold_war,
        )

    def to_array(self) -> np.ndarray:
        return np.array([float(getattr(self, name)) for name in PARAM_NAMES], dtype=np.float64)


_UNIT_INTERVAL = {
    "tension_drift",
    "tension_decay",
    "incident_rate",
    "incident_size",
    "violence_tension_boost",
    "escalation_rate",
    "deescalation_rate",
    "threshold_dispute",
    "threshold_crisis",
    "threshold_violence",
    "threshold_war",
    "hysteresis",
    "grievance_recovery",
    "violence_grievance",
    "attention_decay",
    "capability_recovery",
    "mediation_success",
    "mediation_tension_cut",
    "mediation_grievance_cut",
    "settle_bonus",
    "unity_floor",
    "indicator_tension_weight",
}

PARAM_NAMES = tuple(f.name for f in dataclasses.fields(Parameters))
# Indices into the parameter vector (kept explicit so numba sees compile-time constants).
(
    P_TENSION_DRIFT,
    P_TENSION_DECAY,
    P_INCIDENT_RATE,
    P_INCIDENT_SIZE,
    P_VIOLENCE_TENSION_BOOST,
    P_ESCALATION_RATE,
    P_DEESCALATION_RATE,
    P_HAZARD_SLOPE,
    P_THRESHOLD_DISPUTE,
    P_THRESHOLD_CRISIS,
    P_THRESHOLD_VIOLENCE,
    P_THRESHOLD_WAR,
    P_HYSTERESIS,
    P_W_TENSION,
    P_W_GRIEVANCE,
    P_W_CONTAGION,
    P_W_HISTORY,
    P_W_CAPABILITY,
    P_W_WILL,
    P_GRIEVANCE_RECOVERY,
    P_VIOLENCE_GRIEVANCE,
    P_ATTENTION_DECAY,
    P_ATTENTION_DETERRENCE,
    P_CAPABILITY_RECOVERY,
    P_MEDIATION_SUCCESS,
    P_MEDIATION_TENSION_CUT,
    P_MEDIATION_GRIEVANCE_CUT,
    P_SETTLE_BONUS,
    P_UNITY_FLOOR,
    P_INDICATOR_TENSION_WEIGHT,
    P_OBSERVATION_NOISE,
    P_WARNING_PERSISTENCE,
    P_CALM_STAGE,
) = range(33)
assert len(PARAM_NAMES) == 33, "update the P_* indices when adding a parameter"


def instrument_index(name: str, field: str = "policy.instrument") -> int:
    if name not in INSTRUMENTS:
        raise SimInputError(field, name, f"must be one of {', '.join(INSTRUMENTS)}")
    return INSTRUMENTS.index(name)


def unity_factor(unity: float, floor: float) -> float:
    """Share of an instrument's force that a sponsor of this unity brings (para 16)."""
    return floor + (1.0 - floor) * unity


assert math.isclose(unity_factor(1.0, 0.2), 1.0)
