"""Scenarios: who the parties are, how they are related, who can act, and what is scheduled.

A :class:`Scenario` is plain data (numpy arrays and tuples), checked once when it is made so that
the kernels can trust it. Make one from records with :meth:`Scenario.from_records` (what the YAML
loader in ``sim.scenarios_io`` does), from arrays with :meth:`Scenario.from_arrays` (what the
network generators in ``sim.networks`` do), or load a file (``sim.scenarios_io``).

This module is also the one home of the defaults and limits of scenario values
(:data:`RECORD_DEFAULTS`, :data:`RECORD_LIMITS`, :data:`RECORD_LABELS`): the file validator, the
record builder and the array checks all read them from here.

Example:
    >>> from sim.scenarios_io import default_scenario
    >>> s = default_scenario()
    >>> s.n_parties, s.n_relations > s.n_parties
    (28, True)
    >>> s.party_name(int(s.src[0])), s.party_index("north_armed0")
    ('north_gov', 1)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .errors import Range, SimInputError, check_bool, check_choice, check_keys
from .params import EVENT_KINDS, PARTY_KINDS, RELATION_KINDS, STAGE_NAMES

UN = -1  #: sponsor code of the United Nations (regional organisations are 0, 1, ...)

# ---------------------------------------------------------------- defaults and limits
UNIT = Range(0, 1)  #: shares, probabilities and qualities
SHOCK = Range(-1, 1)  #: changes applied by a scheduled event

#: The keys each kind of record may have (a scenario file's ``parties`` entries, and so on).
RECORD_KEYS = {
    "parties": (
        "id",
        "kind",
        "grievance",
        "capability",
        "will_to_settle",
        "history_of_violence",
        "stage",
        "organisation",
        "attention",
    ),
    "relations": ("between", "kind", "tension"),
    "mediators": ("id", "credibility", "capacity", "impartiality", "sponsor"),
    "organisations": (
        "id",
        "leverage",
        "unity",
        "warning_quality",
        "warning_threshold",
        "response_weeks",
    ),
    "events": ("week", "kind", "parties", "tension_shock", "grievance_shock"),
    "un": ("unity", "leverage", "warning_quality", "warning_threshold"),
}

#: The plain values of each kind of record (numbers, labels, flags) and their defaults; None
#: marks a required value. Ids and references (``organisation``, ``sponsor``, ``between``, an
#: event's ``parties``) are not plain values: they are resolved against the scenario's ids.
RECORD_DEFAULTS = {
    "parties": {
        "kind": "community",
        "grievance": 0.3,
        "capability": 0.5,
        "will_to_settle": 0.5,
        "history_of_violence": False,
        "stage": "stable",
        "attention": 0.0,
    },
    "relations": {"kind": "rivalry", "tension": 0.1},
    "mediators": {"credibility": 0.7, "capacity": 2, "impartiality": 0.7},
    "organisations": {
        "leverage": 0.5,
        "unity": 0.7,
        "warning_quality": 0.5,
        "warning_threshold": 0.5,
        "response_weeks": 2,
    },
    "events": {"week": None, "kind": "shock", "tension_shock": 0.0, "grievance_shock": 0.0},
    "un": {"unity": 0.8, "leverage": 0.6, "warning_quality": 0.6, "warning_threshold": 0.5},
}

#: The allowed range of every numeric value, by kind of record and key.
RECORD_LIMITS = {
    "parties": {"grievance": UNIT, "capability": UNIT, "will_to_settle": UNIT, "attention": UNIT},
    "relations": {"tension": UNIT},
    "mediators": {
        "credibility": UNIT,
        "capacity": Range(1, 1000, integer=True),  # dyads a mediator works at once
        "impartiality": UNIT,
    },
    "organisations": {
        "leverage": UNIT,
        "unity": UNIT,
        "warning_quality": UNIT,
        "warning_threshold": UNIT,
        "response_weeks": Range(0, 520, integer=True),
    },
    "events": {
        "week": Range(0, 10_000, integer=True),
        "tension_shock": SHOCK,
        "grievance_shock": SHOCK,
    },
    "un": {"unity": UNIT, "leverage": UNIT, "warning_quality": UNIT, "warning_threshold": UNIT},
}

#: The allowed labels of every text value; a Scenario stores a label as its index here.
RECORD_LABELS = {
    "parties": {"kind": PARTY_KINDS, "stage": STAGE_NAMES},
    "relations": {"kind": RELATION_KINDS},
    "events": {"kind": EVENT_KINDS},
}

#: How the Scenario's arrays are named after the record keys they hold (``capacity`` of the
#: mediators is ``mediator_capacity``).
_ARRAY_PREFIX = {
    "parties": "",
    "relations": "",
    "mediators": "mediator_",
    "organisations": "organisation_",
    "events": "event_",
}
#: The range of every bounded array, from the limits of the record value it holds.
_ARRAY_LIMITS = {
    prefix + key: limit
    for section, prefix in _ARRAY_PREFIX.items()
    for key, limit in RECORD_LIMITS[section].items()
}
_UN_DEFAULTS = RECORD_DEFAULTS["un"]


def check_value(section: str, key: str, value, field_name: str):
    """A plain value of a record, checked against its limits or labels (a number, label or flag).

    >>> check_value("mediators", "capacity", 3, "mediators[envoy].capacity")
    3
    >>> check_value("parties", "stage", "riot", "parties[gov].stage")
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: parties[gov].stage: got 'riot'; must be one of stable, dispute, \
crisis, violence, war
    """
    if key in RECORD_LIMITS[section]:
        return RECORD_LIMITS[section][key].check(field_name, value)
    if key in RECORD_LABELS.get(section, {}):
        return check_choice(field_name, value, RECORD_LABELS[section][key])
    return check_bool(field_name, value)


def record_values(section: str, record: dict, context: str) -> dict:
    """Every plain value of ``record``, its default where it is absent, checked and converted."""
    return {
        key: check_value(section, key, record.get(key, default), f"{context}.{key}")
        for key, default in RECORD_DEFAULTS[section].items()
    }


def check_id(field_name: str, value) -> str:
    """An id: a non-blank string, or an integer read as its decimal string."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise SimInputError(
            field_name,
            value,
            "must be a non-empty string id (quote ids such as 'no', "
            "'on' or 'null' that YAML reads as other types)",
        )
    return str(value)


# ---------------------------------------------------------------- the Scenario
#: The arrays the kernels take as float64, and those they take as int64.
_FLOAT_ARRAYS = (
    "grievance",
    "capability",
    "will_to_settle",
    "attention",
    "tension",
    "mediator_credibility",
    "mediator_impartiality",
    "organisation_leverage",
    "organisation_unity",
    "organisation_warning_quality",
    "organisation_warning_threshold",
    "event_tension_shock",
    "event_grievance_shock",
)
_INT_ARRAYS = (
    "party_kind",
    "organisation",
    "history",
    "stage",
    "src",
    "dst",
    "relation_kind",
    "mediator_capacity",
    "mediator_sponsor",
    "organisation_response_weeks",
    "event_week",
    "event_kind",
    "event_party_ptr",
    "event_parties",
)
_UN_VALUES = ("un_unity", "un_leverage", "un_warning_quality", "un_warning_threshold")
#: The arrays with one entry per party, relation, mediator, organisation and event.
_ENTRY_ARRAYS = {
    "parties": (
        "party_kind",
        "organisation",
        "grievance",
        "capability",
        "will_to_settle",
        "history",
        "stage",
        "attention",
    ),
    "relations": ("src", "dst", "relation_kind", "tension"),
    "mediators": (
        "mediator_credibility",
        "mediator_capacity",
        "mediator_impartiality",
        "mediator_sponsor",
    ),
    "organisations": (
        "organisation_leverage",
        "organisation_unity",
        "organisation_warning_quality",
        "organisation_warning_threshold",
        "organisation_response_weeks",
    ),
    "events": ("event_week", "event_kind", "event_tension_shock", "event_grievance_shock"),
}


def _floats(n: int = 0) -> np.ndarray:
    return np.zeros(n, np.float64)


def _ints(n: int = 0) -> np.ndarray:
    return np.zeros(n, np.int64)


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything that differs between situations. Arrays are indexed by party / relation id.

    Party arrays (length ``n_parties``): ``party_kind`` (index into PARTY_KINDS), ``organisation``
    (regional organisation index, -1 for none), ``grievance``, ``capability``, ``will_to_settle``,
    ``history`` (1 if the party has a history of violence), ``stage`` (initial stage),
    ``attention`` (initial international attention).
    Relation arrays (length ``n_relations``): ``src``, ``dst``, ``relation_kind`` (0 rivalry,
    1 affinity), ``tension`` (initial).

    The constructor only checks: every array must already be a contiguous 1-D float64 or int64
    array. :meth:`from_arrays` converts array-likes first; :meth:`from_records` builds from
    dicts; :meth:`replace` copies with changes. A Scenario is shared, not copied (the default
    one is cached), so never write into its arrays: ``replace`` them.
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
    mediator_credibility: np.ndarray = field(default_factory=_floats)
    mediator_capacity: np.ndarray = field(default_factory=_ints)
    mediator_impartiality: np.ndarray = field(default_factory=_floats)
    mediator_sponsor: np.ndarray = field(default_factory=_ints)
    # regional organisations
    organisation_names: tuple[str, ...] = ()
    organisation_leverage: np.ndarray = field(default_factory=_floats)
    organisation_unity: np.ndarray = field(default_factory=_floats)
    organisation_warning_quality: np.ndarray = field(default_factory=_floats)
    organisation_warning_threshold: np.ndarray = field(default_factory=_floats)
    organisation_response_weeks: np.ndarray = field(default_factory=_ints)
    # the United Nations as sponsor and observer
    un_unity: float = _UN_DEFAULTS["unity"]
    un_leverage: float = _UN_DEFAULTS["leverage"]
    un_warning_quality: float = _UN_DEFAULTS["warning_quality"]
    un_warning_threshold: float = _UN_DEFAULTS["warning_threshold"]
    # scheduled events ("threshold moments", para 45); parties in CSR form
    event_week: np.ndarray = field(default_factory=_ints)
    event_kind: np.ndarray = field(default_factory=_ints)
    event_tension_shock: np.ndarray = field(default_factory=_floats)
    event_grievance_shock: np.ndarray = field(default_factory=_floats)
    event_party_ptr: np.ndarray = field(default_factory=lambda: _ints(1))
    event_parties: np.ndarray = field(default_factory=_ints)
    party_names: tuple[str, ...] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _validate(self)

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
            raise SimInputError(
                field_name, name_or_index, "must name a party of the scenario"
            ) from None

    # ------------------------------------------------------------------ making scenarios
    @classmethod
    def from_arrays(cls, **fields) -> Scenario:
        """A scenario from array-likes (lists, arrays of any numeric dtype), converted to the
        contiguous float64 / int64 arrays the kernels take, then checked."""
        name = fields.get("name", "scenario")
        for key in _FLOAT_ARRAYS:
            if key in fields:
                fields[key] = _float_array(fields[key], f"{name}: {key}")
        for key in _INT_ARRAYS:
            if key in fields:
                fields[key] = _int_array(fields[key], f"{name}: {key}")
        for key in _UN_VALUES:
            if _is_number(fields.get(key)):
                fields[key] = float(fields[key])
        return cls(**fields)

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
        ids = _Ids.of(parties, organisations, mediators, where)
        return cls.from_arrays(
            name=name,
            description=description,
            party_names=tuple(ids.parties),
            mediator_names=tuple(ids.mediators),
            organisation_names=tuple(ids.organisations),
            **_columns("parties", parties, ids, where),
            **_columns("relations", relations, ids, where),
            **_columns("mediators", mediators, ids, where),
            **_columns("organisations", organisations, ids, where),
            **_event_csr(_columns("events", events, ids, where)),
            **_un_values(un, where),
        )

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (converted and checked like :meth:`from_arrays`)."""
        current = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(current))
        if unknown:
            raise SimInputError("Scenario.replace", unknown, "unknown fields of a Scenario")
        return type(self).from_arrays(**{**current, **changes})


def _is_number(value) -> bool:
    """A real number, numpy scalars included (booleans are not numbers here)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _float_array(value, field_name: str) -> np.ndarray:
    try:
        return np.ascontiguousarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise SimInputError(field_name, value, "must be numbers") from None


def _int_array(value, field_name: str) -> np.ndarray:
    """An int64 array, refusing fractions rather than truncating them."""
    array = np.asarray(value)
    if array.size and not (np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        numbers = _float_array(array, field_name)
        if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)):
            raise SimInputError(field_name, numbers[:5].tolist(), "must be integers")
    return np.ascontiguousarray(array, dtype=np.int64).reshape(-1)


# ---------------------------------------------------------------- records to arrays
@dataclass(frozen=True)
class _Ids:
    """The position of every party, organisation and mediator, by id: what references name."""

    parties: dict[str, int]
    organisations: dict[str, int]
    mediators: dict[str, int]

    @classmethod
    def of(cls, parties: list, organisations: list, mediators: list, where: str) -> _Ids:
        return cls(
            parties=_positions(parties, f"{where}: parties"),
            organisations=_positions(organisations, f"{where}: organisations"),
            mediators=_positions(mediators, f"{where}: mediators"),
        )

    def party(self, ref, field_name: str) -> int:
        if str(ref) not in self.parties:
            raise SimInputError(field_name, ref, "must name a party defined in 'parties'")
        return self.parties[str(ref)]

    def organisation(self, ref, field_name: str) -> int:
        """The position of an organisation; -1 for none (``ref`` None)."""
        if ref is None:
            return -1
        if str(ref) not in self.organisations:
            raise SimInputError(
                field_name, ref, "must name an organisation defined in 'organisations'"
            )
        return self.organisations[str(ref)]

    def sponsor(self, ref, field_name: str) -> int:
        """The position of a mediator's sponsor: :data:`UN` or an organisation."""
        return UN if ref == "un" else self.organisation(ref, field_name)


def _positions(records: list, context: str) -> dict[str, int]:
    """Position of each record by its id; ids must be present and unique."""
    positions: dict[str, int] = {}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise SimInputError(f"{context}[{i}]", record, "must be a mapping with an 'id'")
        record_id = check_id(f"{context}[{i}].id", record.get("id"))
        if record_id in positions:
            raise SimInputError(f"{context}.id", record_id, "ids must be unique")
        positions[record_id] = i
    return positions


def _party_row(record: dict, context: str, ids: _Ids) -> dict:
    values = record_values("parties", record, context)
    return {
        "party_kind": PARTY_KINDS.index(values["kind"]),
        "organisation": ids.organisation(record.get("organisation"), f"{context}.organisation"),
        "grievance": values["grievance"],
        "capability": values["capability"],
        "will_to_settle": values["will_to_settle"],
        "history": int(values["history_of_violence"]),
        "stage": STAGE_NAMES.index(values["stage"]),
        "attention": values["attention"],
    }


def _relation_row(record: dict, context: str, ids: _Ids) -> dict:
    values = record_values("relations", record, context)
    pair = record.get("between")
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise SimInputError(f"{context}.between", pair, "must be a list of two party ids")
    return {
        "src": ids.party(pair[0], f"{context}.between"),
        "dst": ids.party(pair[1], f"{context}.between"),
        "relation_kind": RELATION_KINDS.index(values["kind"]),
        "tension": values["tension"],
    }


def _mediator_row(record: dict, context: str, ids: _Ids) -> dict:
    values = record_values("mediators", record, context)
    return {
        "mediator_credibility": values["credibility"],
        "mediator_capacity": values["capacity"],
        "mediator_impartiality": values["impartiality"],
        "mediator_sponsor": ids.sponsor(record.get("sponsor", "un"), f"{context}.sponsor"),
    }


def _organisation_row(record: dict, context: str, ids: _Ids) -> dict:
    values = record_values("organisations", record, context)
    return {f"organisation_{key}": value for key, value in values.items()}


def _event_row(record: dict, context: str, ids: _Ids) -> dict:
    values = record_values("events", record, context)
    return {
        "event_week": values["week"],
        "event_kind": EVENT_KINDS.index(values["kind"]),
        "event_tension_shock": values["tension_shock"],
        "event_grievance_shock": values["grievance_shock"],
        "event_hits": _event_parties(record.get("parties", "all"), ids, f"{context}.parties"),
    }


def _event_parties(who, ids: _Ids, field_name: str) -> list[int]:
    if who == "all":
        return list(ids.parties.values())
    if isinstance(who, list | tuple):
        return [ids.party(ref, field_name) for ref in who]
    raise SimInputError(field_name, who, "must be 'all' or a list of party ids")


#: What each kind of record becomes: its row function and the Scenario fields a row fills.
_ROWS = {
    "parties": (_party_row, _ENTRY_ARRAYS["parties"]),
    "relations": (_relation_row, _ENTRY_ARRAYS["relations"]),
    "mediators": (_mediator_row, _ENTRY_ARRAYS["mediators"]),
    "organisations": (_organisation_row, _ENTRY_ARRAYS["organisations"]),
    "events": (_event_row, (*_ENTRY_ARRAYS["events"], "event_hits")),
}


def _columns(section: str, records, ids: _Ids, where: str) -> dict[str, list]:
    """One list per Scenario field, holding the rows of the ``section`` records in order.

    Each record is checked for unknown keys first. Records with ids are named by id in error
    messages (``parties[gov]``), the others by position (``relations[3]``).
    """
    row_of, names = _ROWS[section]
    columns: dict[str, list] = {name: [] for name in names}
    for i, record in enumerate(records):
        named = isinstance(record, dict) and "id" in RECORD_KEYS[section] and "id" in record
        context = f"{where}: {section}[{record['id'] if named else i}]"
        check_keys(context, record, RECORD_KEYS[section])
        for name, value in row_of(record, context, ids).items():
            columns[name].append(value)
    return columns


def _event_csr(columns: dict[str, list]) -> dict:
    """The parties each event hits as a CSR pointer into one flat list of party ids."""
    hits = columns.pop("event_hits")
    columns["event_party_ptr"] = np.cumsum([0] + [len(parties) for parties in hits])
    columns["event_parties"] = [party for parties in hits for party in parties]
    return columns


def _un_values(un: dict | None, where: str) -> dict:
    """The ``un_*`` fields a ``un`` record sets (the others keep the Scenario's defaults)."""
    check_keys(f"{where}: un", un or {}, RECORD_KEYS["un"])
    return {
        f"un_{key}": check_value("un", key, value, f"{where}: un.{key}")
        for key, value in (un or {}).items()
    }


# ---------------------------------------------------------------- checks of a Scenario
def _validate(s: Scenario) -> None:
    """Check every array (vectorised, so that a million parties checks fast)."""
    _check_types(s)
    _check_lengths(s)
    _check_ranges(s)
    _check_codes(s)
    _check_relations(s)
    _check_event_pointer(s)


def _check_types(s: Scenario) -> None:
    """The kernels take contiguous float64 / int64 vectors; anything else is a caller's slip."""
    for names, dtype in ((_FLOAT_ARRAYS, np.float64), (_INT_ARRAYS, np.int64)):
        for name in names:
            value = getattr(s, name)
            if not (
                isinstance(value, np.ndarray)
                and value.dtype == dtype
                and value.ndim == 1
                and value.flags.c_contiguous
            ):
                raise SimInputError(
                    f"{s.name}: {name}",
                    type(value).__name__,
                    f"must be a contiguous 1-D {np.dtype(dtype).name} array "
                    "(Scenario.from_arrays converts array-likes)",
                )
    if s.party_kind.shape[0] < 1:
        raise SimInputError(f"{s.name}: parties", 0, "a scenario needs at least one party")


def _check_lengths(s: Scenario) -> None:
    """One entry per party, relation, mediator, organisation and event in every array."""
    counts = {
        "parties": ("party", s.n_parties, s.party_names),
        "relations": ("relation", s.n_relations, None),
        "mediators": ("mediator", s.n_mediators, s.mediator_names),
        "organisations": ("organisation", s.n_organisations, s.organisation_names),
        "events": ("event", int(s.event_week.shape[0]), None),
    }
    for section, (entry, count, names) in counts.items():
        for array in _ENTRY_ARRAYS[section]:
            length = getattr(s, array).shape[0]
            if length != count:
                raise SimInputError(
                    f"{s.name}: {array}", length, f"must have one entry per {entry} ({count})"
                )
        if names is not None and len(names) != count:
            raise SimInputError(
                f"{s.name}: {entry}_names", len(names), f"must name every {entry} ({count})"
            )


def _check_ranges(s: Scenario) -> None:
    for name, limit in _ARRAY_LIMITS.items():
        values = getattr(s, name)
        bad = ~np.isfinite(values) | (values < limit.low) | (values > limit.high)
        if bad.any():
            i = _first(bad)
            raise SimInputError(
                f"{s.name}: {name}[{i}]",
                values[i].item(),
                f"must be in [{limit.low}, {limit.high}]",
            )
    for name in _UN_VALUES:
        UNIT.check(f"{s.name}: {name}", getattr(s, name))
        if not isinstance(getattr(s, name), float):
            raise SimInputError(f"{s.name}: {name}", getattr(s, name), "must be a float")


def _check_codes(s: Scenario) -> None:
    """Indices and codes must point at something that exists."""
    n, n_org = s.n_parties, s.n_organisations
    party_ids = f"must be a party id in [0, {n - 1}]"
    codes = (
        ("party_kind", 0, len(PARTY_KINDS) - 1, f"must be 0..2 ({', '.join(PARTY_KINDS)})"),
        (
            "organisation",
            -1,
            n_org - 1,
            f"must be -1 (none) or an organisation id in [0, {n_org - 1}]",
        ),
        ("history", 0, 1, "must be 0 or 1"),
        ("stage", 0, len(STAGE_NAMES) - 1, f"must be a stage in [0, {len(STAGE_NAMES) - 1}]"),
        ("src", 0, n - 1, party_ids),
        ("dst", 0, n - 1, party_ids),
        ("relation_kind", 0, 1, "must be 0 (rivalry) or 1 (affinity)"),
        (
            "mediator_sponsor",
            UN,
            n_org - 1,
            f"must be -1 (UN) or an organisation id in [0, {n_org - 1}]",
        ),
        ("event_kind", 0, len(EVENT_KINDS) - 1, f"must be one of {', '.join(EVENT_KINDS)}"),
        ("event_parties", 0, n - 1, f"must be party ids in [0, {n - 1}]"),
    )
    for name, low, high, allowed in codes:
        values = getattr(s, name)
        bad = (values < low) | (values > high)
        if bad.any():
            i = _first(bad)
            raise SimInputError(f"{s.name}: {name}[{i}]", int(values[i]), allowed)


def _check_relations(s: Scenario) -> None:
    """No relation joins a party to itself; no pair of parties has two (in either order)."""
    if s.n_relations == 0:
        return
    loops = s.src == s.dst
    if loops.any():
        e = _first(loops)
        raise SimInputError(
            f"{s.name}: relations[{e}]", int(s.src[e]), "a relation must join two different parties"
        )
    pair_keys = np.minimum(s.src, s.dst) * s.n_parties + np.maximum(s.src, s.dst)
    unique_keys, first_of_each = np.unique(pair_keys, return_index=True)
    if unique_keys.shape[0] != s.n_relations:
        e = int(np.setdiff1d(np.arange(s.n_relations), first_of_each)[0])
        raise SimInputError(
            f"{s.name}: relations[{e}]",
            [s.party_name(int(s.src[e])), s.party_name(int(s.dst[e]))],
            "each pair of parties may have at most one relation",
        )


def _check_event_pointer(s: Scenario) -> None:
    ptr = s.event_party_ptr
    if (
        ptr.shape[0] != s.event_week.shape[0] + 1
        or ptr[0] != 0
        or np.any(np.diff(ptr) < 0)
        or ptr[-1] != s.event_parties.shape[0]
    ):
        raise SimInputError(
            f"{s.name}: event_party_ptr",
            ptr[:5].tolist(),
            "must be a CSR pointer over event_parties, one slot per event",
        )


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])
