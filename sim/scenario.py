"""Scenarios: who the parties are, how they are related, who can act, and what is scheduled.

A :class:`Scenario` is plain data (numpy arrays and tuples). Build one from records with
:meth:`Scenario.from_records` (what the YAML loader in ``sim.scenarios_io`` does), take the built-in
:func:`default_scenario`, or generate a large seeded network with :func:`generated_scenario`.

Example:
    >>> s = default_scenario()
    >>> s.n_parties, s.n_relations > s.n_parties
    (28, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import SimInputError
from .params import EVENT_KINDS, N_STAGES, PARTY_KINDS, RELATION_KINDS, WAR

UN = -1  #: sponsor code of the United Nations (regional organisations are 0, 1, ...)


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything that differs between situations. Arrays are indexed by party / relation id.

    Party arrays (length ``n_parties``): ``party_kind`` (index into PARTY_KINDS), ``organisation``
    (regional organisation index, -1 for none), ``grievance``, ``capability``, ``will_to_settle``,
    ``history`` (1 if the party has a history of violence), ``stage`` (initial stage),
    ``attention`` (initial international attention).
    Relation arrays (length ``n_relations``): ``src``, ``dst``, ``relation_kind`` (0 rivalry,
    1 affinity), ``tension`` (initial).
    """

    name: str
    party_kind: np.ndarray
    organisation: np.ndarray
    grievance: np.ndarray
    capability: np.ndarray
    will_to_settle: np.ndarray
    history: np.ndarray
    stage: np.ndarray
    attention: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    relation_kind: np.ndarray
    tension: np.ndarray
    # mediators
    mediator_names: tuple[str, ...] = ()
    mediator_credibility: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mediator_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    mediator_impartiality: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mediator_sponsor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # regional organisations
    organisation_names: tuple[str, ...] = ()
    organisation_leverage: np.ndarray = field(default_factory=lambda: np.zeros(0))
    organisation_unity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    organisation_warning_quality: np.ndarray = field(default_factory=lambda: np.zeros(0))
    organisation_warning_threshold: np.ndarray = field(default_factory=lambda: np.zeros(0))
    organisation_response_weeks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # the United Nations as sponsor and observer
    un_unity: float = 0.8
    un_leverage: float = 0.6
    un_warning_quality: float = 0.6
    un_warning_threshold: float = 0.5
    # scheduled events ("threshold moments", para 45); parties in CSR form
    event_week: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    event_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    event_tension_shock: np.ndarray = field(default_factory=lambda: np.zeros(0))
    event_grievance_shock: np.ndarray = field(default_factory=lambda: np.zeros(0))
    event_party_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    event_parties: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    party_names: tuple[str, ...] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _coerce_and_validate(self)

    # ------------------------------------------------------------------ sizes and names
    @property
    def n_parties(self) -> int:
        return int(self.party_kind.shape[0])

    @property
    def n_relations(self) -> int:
        return int(self.src.shape[0])

    @property
    def n_mediators(self) -> int:
        return int(self.mediator_credibility.shape[0])

    @property
    def n_organisations(self) -> int:
        return int(self.organisation_leverage.shape[0])

    def party_name(self, i: int) -> str:
        return self.party_names[i] if self.party_names is not None else f"p{i}"

    def party_index(self, name_or_index: str | int, field_name: str = "party") -> int:
        """Index of a party given its name or index; a clear error if there is none."""
        if isinstance(name_or_index, int | np.integer) and not isinstance(name_or_index, bool):
            if 0 <= int(name_or_index) < self.n_parties:
                return int(name_or_index)
            raise SimInputError(
                field_name, int(name_or_index), f"must be a party id in [0, {self.n_parties - 1}]"
            )
        names = self.party_names or tuple(f"p{i}" for i in range(self.n_parties))
        try:
            return names.index(str(name_or_index))
        except ValueError:
            raise SimInputError(field_name, name_or_index, "must name a party of the scenario")

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (validated again)."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ building from records
    @classmethod
    def from_records(
        cls,
        name: str,
        parties: list[dict],
        relations: list[dict],
        mediators: list[dict] = (),
        organisations: list[dict] = (),
        events: list[dict] = (),
        un: dict | None = None,
        description: str = "",
        where: str = "scenario",
    ) -> Scenario:
        """Build a scenario from lists of plain dicts (the YAML layout; see docs/scenarios.md).

        ``where`` prefixes error messages (e.g. the file name) so a bad entry is easy to find.
        """
        org_ids = [str(o["id"]) for o in organisations]
        _no_duplicates(org_ids, f"{where}: organisations")
        party_ids = [str(p["id"]) for p in parties]
        _no_duplicates(party_ids, f"{where}: parties")
        party_pos = {pid: i for i, pid in enumerate(party_ids)}
        org_pos = {oid: i for i, oid in enumerate(org_ids)}

        def party_ref(ref, ctx):
            if str(ref) not in party_pos:
                raise SimInputError(ctx, ref, "must name a party defined in 'parties'")
            return party_pos[str(ref)]

        def org_ref(ref, ctx):
            if ref is None:
                return -1
            if str(ref) not in org_pos:
                raise SimInputError(ctx, ref, "must name an organisation defined in 'organisations'")
            return org_pos[str(ref)]

        def kind_ref(value, kinds, ctx):
            if value not in kinds:
                raise SimInputError(ctx, value, f"must be one of {', '.join(kinds)}")
            return kinds.index(value)

        def stage_ref(value, ctx):
            from .params import STAGE_NAMES

            if value in STAGE_NAMES:
                return STAGE_NAMES.index(value)
            raise SimInputError(ctx, value, f"must be one of {', '.join(STAGE_NAMES)}")

        n = len(parties)
        kind = np.zeros(n, np.int64)
        org = np.full(n, -1, np.int64)
        arrays = {k: np.zeros(n) for k in ("grievance", "capability", "will_to_settle", "attention")}
        history = np.zeros(n, np.int64)
        stage = np.zeros(n, np.int64)
        for i, p in enumerate(parties):
            ctx = f"{where}: parties[{p['id']}]"
            kind[i] = kind_ref(p.get("kind", "community"), PARTY_KINDS, f"{ctx}.kind")
            org[i] = org_ref(p.get("organisation"), f"{ctx}.organisation")
            for key in arrays:
                arrays[key][i] = _number(p.get(key, _PARTY_DEFAULTS[key]), f"{ctx}.{key}")
            history[i] = 1 if _flag(p.get("history_of_violence", False), f"{ctx}.history") else 0
            stage[i] = stage_ref(p.get("stage", "stable"), f"{ctx}.stage")

        m = len(relations)
        src = np.zeros(m, np.int64)
        dst = np.zeros(m, np.int64)
        rkind = np.zeros(m, np.int64)
        tension = np.zeros(m)
        for e, r in enumerate(relations):
            ctx = f"{where}: relations[{e}]"
            pair = r.get("between")
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise SimInputError(f"{ctx}.between", pair, "must be a list of two party ids")
            src[e] = party_ref(pair[0], f"{ctx}.between")
            dst[e] = party_ref(pair[1], f"{ctx}.between")
            rkind[e] = kind_ref(r.get("kind", "rivalry"), RELATION_KINDS, f"{ctx}.kind")
            tension[e] = _number(r.get("tension", 0.1), f"{ctx}.tension")

        med_names = tuple(str(md["id"]) for md in mediators)
        _no_duplicates(list(med_names), f"{where}: mediators")
        med = {
            "credibility": np.array(
                [_number(md.get("credibility", 0.7), f"{where}: mediators[{md['id']}].credibility")
                 for md in mediators], dtype=np.float64).reshape(-1),
            "capacity": np.array(
                [_integer(md.get("capacity", 2), f"{where}: mediators[{md['id']}].capacity")
                 for md in mediators], dtype=np.int64).reshape(-1),
            "impartiality": np.array(
                [_number(md.get("impartiality", 0.7),
                         f"{where}: mediators[{md['id']}].impartiality")
                 for md in mediators], dtype=np.float64).reshape(-1),
            "sponsor": np.array(
                [-1 if md.get("sponsor", "un") == "un"
                 else org_ref(md.get("sponsor"), f"{where}: mediators[{md['id']}].sponsor")
                 for md in mediators], dtype=np.int64).reshape(-1),
        }

        def org_field(key, default, conv=None):
            conv = conv or _number
            return [conv(o.get(key, default), f"{where}: organisations[{o['id']}].{key}")
                    for o in organisations]

        un = dict(un or {})
        un_kwargs = {}
        for key, attr in (("unity", "un_unity"), ("leverage", "un_leverage"),
                          ("warning_quality", "un_warning_quality"),
                          ("warning_threshold", "un_warning_threshold")):
            if key in un:
                un_kwargs[attr] = _number(un.pop(key), f"{where}: un.{key}")
        if un:
            raise SimInputError(f"{where}: un", sorted(un), "unknown keys; allowed: unity, "
                                "leverage, warning_quality, warning_threshold")

        ev_week, ev_kind, ev_t, ev_g, ptr, members = [], [], [], [], [0], []
        for k, ev in enumerate(events):
            ctx = f"{where}: events[{k}]"
            ev_week.append(_integer(ev.get("week"), f"{ctx}.week"))
            ev_kind.append(kind_ref(ev.get("kind", "shock"), EVENT_KINDS, f"{ctx}.kind"))
            ev_t.append(_number(ev.get("tension_shock", 0.0), f"{ctx}.tension_shock"))
            ev_g.append(_number(ev.get("grievance_shock", 0.0), f"{ctx}.grievance_shock"))
            who = ev.get("parties", "all")
            if who == "all":
                idx = list(range(n))
            elif isinstance(who, list | tuple):
                idx = [party_ref(pid, f"{ctx}.parties") for pid in who]
            else:
                raise SimInputError(f"{ctx}.parties", who, "must be 'all' or a list of party ids")
            members.extend(idx)
            ptr.append(len(members))

        return cls(
            name=name,
            description=description,
            party_names=tuple(party_ids),
            party_kind=kind,
            organisation=org,
            history=history,
            stage=stage,
            src=src,
            dst=dst,
            relation_kind=rkind,
            tension=tension,
            mediator_names=med_names,
            mediator_credibility=med["credibility"],
            mediator_capacity=med["capacity"],
            mediator_impartiality=med["impartiality"],
            mediator_sponsor=med["sponsor"],
            organisation_names=tuple(org_ids),
            organisation_leverage=np.array(org_field("leverage", 0.5), dtype=np.float64),
            organisation_unity=np.array(org_field("unity", 0.7), dtype=np.float64),
            organisation_warning_quality=np.array(org_field("warning_quality", 0.5), np.float64),
            organisation_warning_threshold=np.array(org_field("warning_threshold", 0.5),
                                                    np.float64),
            organisation_response_weeks=np.array(org_field("response_weeks", 2, _integer),
                                                 np.int64),
            event_week=np.array(ev_week, np.int64),
            event_kind=np.array(ev_kind, np.int64),
            event_tension_shock=np.array(ev_t, np.float64),
            event_grievance_shock=np.array(ev_g, np.float64),
            event_party_ptr=np.array(ptr, np.int64),
            event_parties=np.array(members, np.int64),
            **arrays,
            **un_kwargs,
        )


_PARTY_DEFAULTS = {"grievance": 0.3, "capability": 0.5, "will_to_settle": 0.5, "attention": 0.0}

_UNIT_FIELDS = (
    "grievance", "capability", "will_to_settle", "attention", "tension",
    "mediator_credibility", "mediator_impartiality", "organisation_leverage",
    "organisation_unity", "organisation_warning_quality", "organisation_warning_threshold",
)
_UN_FIELDS = ("un_unity", "un_leverage", "un_warning_quality", "un_warning_threshold")


def _number(value, ctx) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimInputError(ctx, value, "must be a number")
    return float(value)


def _integer(value, ctx) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimInputError(ctx, value, "must be an integer")
    return int(value)


def _flag(value, ctx) -> bool:
    if not isinstance(value, bool):
        raise SimInputError(ctx, value, "must be true or false")
    return value


def _no_duplicates(ids: list[str], ctx: str) -> None:
    seen = set()
    for x in ids:
        if x in seen:
            raise SimInputError(f"{ctx}.id", x, "ids must be unique")
        seen.add(x)


def _bad_index(arr: np.ndarray, mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _coerce_and_validate(s: Scenario) -> None:
    """Coerce dtypes and check every array (vectorised, so a million parties checks fast)."""
    set_ = object.__setattr__
    float_fields = ("grievance", "capability", "will_to_settle", "attention", "tension",
                    "mediator_credibility", "mediator_impartiality", "organisation_leverage",
                    "organisation_unity", "organisation_warning_quality",
                    "organisation_warning_threshold", "event_tension_shock",
                    "event_grievance_shock")
    int_fields = ("party_kind", "organisation", "history", "stage", "src", "dst", "relation_kind",
                  "mediator_capacity", "mediator_sponsor", "organisation_response_weeks",
                  "event_week", "event_kind", "event_party_ptr", "event_parties")
    for name in float_fields:
        set_(s, name, np.ascontiguousarray(getattr(s, name), dtype=np.float64).reshape(-1))
    for name in int_fields:
        arr = np.asarray(getattr(s, name))
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
                raise SimInputError(f"{s.name}: {name}", arr[:5].tolist(), "must be integers")
        set_(s, name, np.ascontiguousarray(arr, dtype=np.int64).reshape(-1))

    n, m = s.party_kind.shape[0], s.src.shape[0]
    if n < 1:
        raise SimInputError(f"{s.name}: parties", n, "a scenario needs at least one party")
    for name in ("organisation", "grievance", "capability", "will_to_settle", "history", "stage",
                 "attention"):
        if getattr(s, name).shape[0] != n:
            raise SimInputError(f"{s.name}: {name}", getattr(s, name).shape[0],
                                f"must have one entry per party ({n})")
    for name in ("dst", "relation_kind", "tension"):
        if getattr(s, name).shape[0] != m:
            raise SimInputError(f"{s.name}: {name}", getattr(s, name).shape[0],
                                f"must have one entry per relation ({m})")
    for name in _UNIT_FIELDS:
        arr = getattr(s, name)
        bad = ~np.isfinite(arr) | (arr < 0.0) | (arr > 1.0)
        if bad.any():
            i = _bad_index(arr, bad)
            raise SimInputError(f"{s.name}: {name}[{i}]", float(arr[i]), "must be in [0, 1]")
    for name in ("event_tension_shock", "event_grievance_shock"):
        arr = getattr(s, name)
        bad = ~np.isfinite(arr) | (arr < -1.0) | (arr > 1.0)
        if bad.any():
            i = _bad_index(arr, bad)
            raise SimInputError(f"{s.name}: {name}[{i}]", float(arr[i]), "must be in [-1, 1]")
    for name in _UN_FIELDS:
        v = getattr(s, name)
        if not (isinstance(v, int | float) and math.isfinite(v) and 0.0 <= v <= 1.0):
            raise SimInputError(f"{s.name}: {name}", v, "must be in [0, 1]")
        set_(s, name, float(v))

    def check_int(name, arr, low, high, allowed):
        bad = (arr < low) | (arr > high)
        if bad.any():
            i = _bad_index(arr, bad)
            raise SimInputError(f"{s.name}: {name}[{i}]", int(arr[i]), allowed)

    n_org = s.organisation_leverage.shape[0]
    check_int("party_kind", s.party_kind, 0, len(PARTY_KINDS) - 1, "must be 0..2 (government, "
              "armed_group, community)")
    check_int("organisation", s.organisation, -1, n_org - 1,
              f"must be -1 (none) or an organisation id in [0, {n_org - 1}]")
    check_int("history", s.history, 0, 1, "must be 0 or 1")
    check_int("stage", s.stage, 0, WAR, f"must be a stage in [0, {N_STAGES - 1}]")
    check_int("src", s.src, 0, n - 1, f"must be a party id in [0, {n - 1}]")
    check_int("dst", s.dst, 0, n - 1, f"must be a party id in [0, {n - 1}]")
    check_int("relation_kind", s.relation_kind, 0, 1, "must be 0 (rivalry) or 1 (affinity)")
    if m and np.any(s.src == s.dst):
        e = _bad_index(s.src, s.src == s.dst)
        raise SimInputError(f"{s.name}: relations[{e}]", int(s.src[e]),
                            "a relation must join two different parties")
    if m:
        lo, hi = np.minimum(s.src, s.dst), np.maximum(s.src, s.dst)
        keys = lo * n + hi
        uniq, first = np.unique(keys, return_index=True)
        if uniq.shape[0] != m:
            dup = np.setdiff1d(np.arange(m), first)[0]
            raise SimInputError(f"{s.name}: relations[{dup}]",
                                [s.party_name(int(s.src[dup])), s.party_name(int(s.dst[dup]))],
                                "each pair of parties may have at most one relation")
    k = s.mediator_credibility.shape[0]
    for name in ("mediator_capacity", "mediator_impartiality", "mediator_sponsor"):
        if getattr(s, name).shape[0] != k:
            raise SimInputError(f"{s.name}: {name}", getattr(s, name).shape[0],
                                f"must have one entry per mediator ({k})")
    check_int("mediator_capacity", s.mediator_capacity, 1, 1000, "must be in [1, 1000] dyads")
    check_int("mediator_sponsor", s.mediator_sponsor, -1, n_org - 1,
              f"must be -1 (UN) or an organisation id in [0, {n_org - 1}]")
    for name in ("organisation_unity", "organisation_warning_quality",
                 "organisation_warning_threshold", "organisation_response_weeks"):
        if getattr(s, name).shape[0] != n_org:
            raise SimInputError(f"{s.name}: {name}", getattr(s, name).shape[0],
                                f"must have one entry per organisation ({n_org})")
    check_int("organisation_response_weeks", s.organisation_response_weeks, 0, 520,
              "must be in [0, 520] weeks")
    n_ev = s.event_week.shape[0]
    check_int("event_week", s.event_week, 0, 10_000, "must be a week in [0, 10000]")
    check_int("event_kind", s.event_kind, 0, len(EVENT_KINDS) - 1,
              f"must be one of {', '.join(EVENT_KINDS)}")
    if s.event_party_ptr.shape[0] != n_ev + 1 or s.event_party_ptr[0] != 0 or np.any(
        np.diff(s.event_party_ptr) < 0) or s.event_party_ptr[-1] != s.event_parties.shape[0]:
        raise SimInputError(f"{s.name}: event_party_ptr", s.event_party_ptr[:5].tolist(),
                            "must be a CSR pointer over event_parties, one slot per event")
    check_int("event_parties", s.event_parties, 0, n - 1, f"must be party ids in [0, {n - 1}]")


# ---------------------------------------------------------------- the default scenario
def default_scenario() -> Scenario:
    """A region of four neighbouring countries, 28 parties (a stylised teaching region).

    Each country has a government, two armed groups and four communities. Governments and armed
    groups are rivals; armed groups draw on kin communities (affinity); pairs of communities are
    inter-communal rivals; border communities of neighbouring countries are kin (affinity, the
    channel of regional contagion, paras 19 and 24). ``north`` is the focal country: deeper
    grievances and an election at week 20 (a "threshold moment", para 45; elections in divided
    societies, para 38). ``east`` and ``west`` have a recent history of civil war (para 29). One
    regional organisation covers all four; the UN envoy, the standby mediation team (para 17) and
    a regional mediator can be deployed. Nothing here is a real country.
    """
    countries = ("north", "east", "south", "west")
    grievance_base = {"north": 0.45, "east": 0.25, "south": 0.15, "west": 0.3}
    tension_base = {"north": 0.25, "east": 0.12, "south": 0.08, "west": 0.15}
    post_conflict = {"east", "west"}
    parties, relations = [], []
    for c in countries:
        hist = c in post_conflict
        g0, t0 = grievance_base[c], tension_base[c]
        parties.append(dict(id=f"{c}_gov", kind="government", grievance=g0 - 0.1,
                            capability=0.8, will_to_settle=0.55, history_of_violence=hist,
                            organisation="regional_org"))
        for a in range(2):
            parties.append(dict(id=f"{c}_armed{a}", kind="armed_group",
                                grievance=g0 + 0.1 + 0.05 * a, capability=0.45 + 0.1 * a,
                                will_to_settle=0.35 + 0.1 * a, history_of_violence=hist,
                                organisation="regional_org"))
        for k in range(4):
            parties.append(dict(id=f"{c}_comm{k}", kind="community",
                                grievance=g0 + 0.03 * k, capability=0.2,
                                will_to_settle=0.6 - 0.05 * k, history_of_violence=hist and k < 2,
                                organisation="regional_org"))
        gov = f"{c}_gov"
        relations += [
            dict(between=[gov, f"{c}_armed0"], kind="rivalry", tension=t0 + 0.05),
            dict(between=[gov, f"{c}_armed1"], kind="rivalry", tension=t0),
            dict(between=[f"{c}_armed0", f"{c}_armed1"], kind="rivalry", tension=t0 / 2),
            dict(between=[f"{c}_armed0", f"{c}_comm0"], kind="affinity"),
            dict(between=[f"{c}_armed1", f"{c}_comm1"], kind="affinity"),
            dict(between=[f"{c}_comm0", f"{c}_comm2"], kind="rivalry", tension=t0),
            dict(between=[f"{c}_comm1", f"{c}_comm3"], kind="rivalry", tension=t0 / 2),
            dict(between=[f"{c}_comm2", f"{c}_comm3"], kind="affinity"),
            dict(between=[gov, f"{c}_comm3"], kind="affinity"),
        ]
    for c_i, c in enumerate(countries):  # ring of neighbours
        nxt = countries[(c_i + 1) % len(countries)]
        relations.append(dict(between=[f"{c}_comm2", f"{nxt}_comm0"], kind="affinity"))
        relations.append(dict(between=[f"{c}_gov", f"{nxt}_gov"], kind="rivalry", tension=0.05))
    return Scenario.from_records(
        name="default",
        description="Stylised region of four countries (28 parties); not a forecast.",
        parties=parties,
        relations=relations,
        mediators=[
            dict(id="un_envoy", credibility=0.8, capacity=3, impartiality=0.8, sponsor="un"),
            dict(id="standby_team", credibility=0.6, capacity=2, impartiality=0.9, sponsor="un"),
            dict(id="regional_mediator", credibility=0.7, capacity=2, impartiality=0.6,
                 sponsor="regional_org"),
        ],
        organisations=[dict(id="regional_org", leverage=0.5, unity=0.6, warning_quality=0.5,
                            warning_threshold=0.6, response_weeks=2)],
        events=[dict(week=20, kind="election", parties=["north_gov", "north_armed0",
                                                        "north_armed1", "north_comm0",
                                                        "north_comm2"],
                     tension_shock=0.2, grievance_shock=0.05)],
        un=dict(unity=0.8, leverage=0.6, warning_quality=0.6, warning_threshold=0.6),
    )


# ---------------------------------------------------------------- generated networks
TOPOLOGIES = ("sbm", "small_world", "scale_free")


def generated_scenario(
    n_parties: int = 1000,
    topology: str = "sbm",
    mean_degree: float = 6.0,
    n_regions: int = 10,
    rivalry_share: float = 0.5,
    seed: int = 0,
    name: str | None = None,
) -> Scenario:
    """A seeded random network of ``n_parties`` (10 to 1,000,000 and more).

    ``sbm``: stochastic block model of ``n_regions`` equal regions (80% of ties inside a region),
    one regional organisation per region; ``small_world``: Watts-Strogatz ring with 10% rewiring;
    ``scale_free``: Barabasi-Albert preferential attachment. Attributes are drawn from a
    ``numpy.random.Generator`` seeded with ``seed``: the same arguments give the same scenario.
    """
    from .errors import check_range

    check_range("generated.n_parties", n_parties, 2, 50_000_000, integer=True)
    if topology not in TOPOLOGIES:
        raise SimInputError("generated.topology", topology, f"must be one of {', '.join(TOPOLOGIES)}")
    check_range("generated.mean_degree", mean_degree, 1.0, min(100.0, n_parties - 1))
    check_range("generated.n_regions", n_regions, 1, max(1, n_parties // 2), integer=True)
    check_range("generated.rivalry_share", rivalry_share, 0.0, 1.0)
    check_range("generated.seed", seed, 0, 2**63 - 1, integer=True)
    rng = np.random.default_rng(seed)
    n = int(n_parties)
    region = (np.arange(n) * n_regions) // n
    if topology == "sbm":
        src, dst = _sbm_edges(rng, n, region, mean_degree, n_regions)
    elif topology == "small_world":
        src, dst = _small_world_edges(rng, n, mean_degree)
    else:
        src, dst = _scale_free_edges(rng, n, mean_degree)
    m = src.shape[0]
    kind = rng.choice(3, size=n, p=[0.1, 0.2, 0.7])
    rkind = (rng.random(m) >= rivalry_share).astype(np.int64)
    n_org = n_regions if topology == "sbm" else 1
    organisation = region if topology == "sbm" else np.zeros(n, np.int64)
    return Scenario(
        name=name or f"generated_{topology}_{n}",
        description=f"Generated {topology} network of {n} parties (seed {seed}); not a forecast.",
        party_kind=kind,
        organisation=organisation,
        grievance=rng.beta(2.0, 4.0, n),
        capability=rng.beta(2.0, 3.0, n),
        will_to_settle=rng.beta(3.0, 3.0, n),
        history=(rng.random(n) < 0.2).astype(np.int64),
        stage=np.zeros(n, np.int64),
        attention=np.zeros(n),
        src=src,
        dst=dst,
        relation_kind=rkind,
        tension=rng.uniform(0.0, 0.3, m) * (rkind == 0),
        mediator_names=("un_envoy", "standby_team"),
        mediator_credibility=np.array([0.8, 0.6]),
        mediator_capacity=np.array([3, 2]),
        mediator_impartiality=np.array([0.8, 0.9]),
        mediator_sponsor=np.array([UN, UN]),
        organisation_names=tuple(f"region_{r}" for r in range(n_org)),
        organisation_leverage=np.full(n_org, 0.5),
        organisation_unity=rng.uniform(0.4, 0.9, n_org),
        organisation_warning_quality=rng.uniform(0.3, 0.7, n_org),
        organisation_warning_threshold=np.full(n_org, 0.5),
        organisation_response_weeks=np.full(n_org, 2, np.int64),
    )


def _dedupe(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    keep = src != dst
    lo = np.minimum(src[keep], dst[keep])
    hi = np.maximum(src[keep], dst[keep])
    keys = np.unique(lo * n + hi)
    return (keys // n).astype(np.int64), (keys % n).astype(np.int64)


def _sbm_edges(rng, n, region, mean_degree, n_regions):
    n_edges = int(round(n * mean_degree / 2))
    n_in = int(round(0.8 * n_edges))
    src_in = rng.integers(0, n, n_in)
    # a partner in the same region: regions are contiguous blocks of ids
    starts = (np.arange(n_regions) * n + n_regions - 1) // n_regions
    ends = np.append(starts[1:], n)
    r = region[src_in]
    dst_in = starts[r] + (rng.random(n_in) * (ends[r] - starts[r])).astype(np.int64)
    src_out = rng.integers(0, n, n_edges - n_in)
    dst_out = rng.integers(0, n, n_edges - n_in)
    return _dedupe(np.concatenate([src_in, src_out]), np.concatenate([dst_in, dst_out]), n)


def _small_world_edges(rng, n, mean_degree):
    k = max(1, int(round(mean_degree / 2)))
    src = np.repeat(np.arange(n), k)
    dst = (src + np.tile(np.arange(1, k + 1), n)) % n
    rewire = rng.random(src.shape[0]) < 0.1
    dst = dst.copy()
    dst[rewire] = rng.integers(0, n, int(rewire.sum()))
    return _dedupe(src, dst, n)


def _scale_free_edges(rng, n, mean_degree):
    k = max(1, int(round(mean_degree / 2)))
    # Preferential attachment by sampling uniformly from the list of earlier edge endpoints
    # (each node appears once per tie), done in vectorised rounds of growing size.
    seed_nodes = k + 1
    src = [np.repeat(np.arange(seed_nodes), seed_nodes)]
    dst = [np.tile(np.arange(seed_nodes), seed_nodes)]
    endpoints = np.concatenate([np.arange(seed_nodes)] * 2)
    start = seed_nodes
    while start < n:
        stop = min(n, start + max(1, start // 4))
        new = np.repeat(np.arange(start, stop), k)
        targets = endpoints[rng.integers(0, endpoints.shape[0], new.shape[0])]
        src.append(new)
        dst.append(targets)
        endpoints = np.concatenate([endpoints, new, targets])
        start = stop
    return _dedupe(np.concatenate(src), np.concatenate(dst), n)
