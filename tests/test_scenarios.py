"""Scenario files: every shipped scenario loads and runs, cites its sources, and broken files fail
with one-line errors naming the file and the entry (sim.scenarios_io, docs/scenarios.md)."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import SimInputError, run_ensemble
from sim.networks import (
    GENERATOR_DEFAULTS,
    GENERATOR_LIMITS,
    TOPOLOGIES,
    generated_scenario,
    generator_limits,
)
from sim.scenario import Scenario
from sim.scenarios_io import (
    SCENARIO_DIR,
    cited_paragraphs,
    default_scenario,
    list_scenarios,
    load_scenario,
    load_scenario_file,
    read_scenario_file,
    scenario_provenance,
)

CORE = "003_152554e5fab3c98f.txt"
DATA = Path(__file__).parent / "data"
#: The source documents (beside the repository, in ``shared/sources``; see its README.md) that
#: scenario files may cite. Their numbered paragraphs are in tests/data/s2011_552_excerpts.json.
SOURCES = (
    "000_377afb650091b35a.txt",
    "001_72a53110bd8d268f.txt",
    "002_327740845fd91c14.txt",
    CORE,
    "004_5b8d35e171de5697.txt",
)
#: Report scenarios and the paragraphs of the core source each must cite (at least).
REPORT_SCENARIOS = {
    "kenya_2008": {20, 56},
    "guinea_2009": {24, 36, 37, 55},
    "kyrgyzstan_2010": {23, 44},
    "great_lakes_2008": {19},
    "sudan_2011": {29, 30},
}
TEACHING_SCENARIOS = ("two_party", "contagion_ring", "election_crisis")
FILE_SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


# ---------------------------------------------------------------- the shipped scenarios
def test_list_scenarios_names_default_and_every_file():
    names = list_scenarios()
    assert names[0] == "default"
    assert set(names) == {"default", *FILE_SCENARIOS}
    assert {*REPORT_SCENARIOS, *TEACHING_SCENARIOS, "generated"} <= set(names)


@pytest.mark.parametrize("name", list_scenarios())
def test_every_scenario_loads_and_runs(name):
    s = load_scenario(name)
    assert isinstance(s, Scenario)
    if name != "generated":
        assert 2 <= s.n_parties <= 40
    df = run_ensemble(s, ["none", "envoy"], replicates=20, horizon_weeks=52, seed=1)
    assert len(df) == 40
    assert set(df["violence"].unique()) <= {0, 1}
    assert (df["onset_week"] < 52).all()


@pytest.mark.parametrize("name", FILE_SCENARIOS)
def test_every_file_has_provenance_and_disclaimer(name):
    prov = scenario_provenance(name)
    assert prov["stands_for"].strip() and prov["invented"].strip()
    assert "not a forecast" in prov["disclaimer"].lower()
    assert prov["sources"], "every shipped scenario cites at least one source"
    text = (SCENARIO_DIR / f"{name}.yaml").read_text()
    assert re.search(r"^\s*#", text, re.M), "scenario files explain their choices in comments"
    assert "not a forecast" in load_scenario(name).description.lower() or name == "generated"


def test_by_name_and_by_path_give_the_same_scenario():
    a = load_scenario("two_party")
    for ref in (SCENARIO_DIR / "two_party.yaml", str(SCENARIO_DIR / "two_party.yaml")):
        b = load_scenario(ref)
        assert a.party_names == b.party_names
        np.testing.assert_array_equal(a.tension, b.tension)
    c = load_scenario_file(SCENARIO_DIR / "two_party.yaml")
    assert c.mediator_names == a.mediator_names


@pytest.mark.parametrize("name,paragraphs", sorted(REPORT_SCENARIOS.items()))
def test_report_scenarios_cite_the_report(name, paragraphs):
    prov = scenario_provenance(name)
    cited = cited_paragraphs(prov, CORE)
    assert paragraphs <= cited, f"{name} must cite paragraphs {sorted(paragraphs - cited)}"
    for src in prov["sources"]:
        assert src["file"] in SOURCES, src["file"]
    excerpts = json.loads((DATA / "s2011_552_excerpts.json").read_text(encoding="utf-8"))
    assert excerpts["source"] == CORE
    present = {int(n) for n in excerpts["paragraphs"]}
    assert cited <= present, f"cited paragraphs missing from the source: {cited - present}"


def _events(s, kind):
    from sim.params import EVENT_KINDS

    return [
        int(w)
        for w, k in zip(s.event_week, s.event_kind, strict=True)
        if k == EVENT_KINDS.index(kind)
    ]


def test_report_scenarios_carry_the_cases_features():
    kenya = load_scenario("kenya_2008")
    au = kenya.organisation_names.index("african_union")
    panel = kenya.mediator_names.index("au_panel")
    assert kenya.mediator_sponsor[panel] == au and kenya.mediator_credibility[panel] >= 0.9
    assert _events(kenya, "election") == [2]

    guinea = load_scenario("guinea_2009")
    assert "ecowas" in guinea.organisation_names and _events(guinea, "coup") == [0]
    neighbours = ("cote_divoire", "guinea_bissau", "liberia", "sierra_leone")
    affinity_pairs = {
        (guinea.party_name(int(i)), guinea.party_name(int(j)))
        for i, j, k in zip(guinea.src, guinea.dst, guinea.relation_kind, strict=True)
        if k == 1
    }
    for country in neighbours:
        assert any(p.startswith(country) for p in guinea.party_names)
        assert any(
            (a.startswith(country) and not any(b.startswith(c) for c in neighbours))
            or (b.startswith(country) and not any(a.startswith(c) for c in neighbours))
            for a, b in affinity_pairs
        ), f"{country} needs an affinity tie to a Guinean party"

    kyrgyzstan = load_scenario("kyrgyzstan_2010")
    assert _events(kyrgyzstan, "coup") == [0]
    assert kyrgyzstan.un_warning_quality <= 0.3  # "taken by surprise" (para 44)

    great_lakes = load_scenario("great_lakes_2008")
    envoy = great_lakes.mediator_names.index("special_envoy")
    assert great_lakes.mediator_sponsor[envoy] == -1
    assert great_lakes.mediator_credibility[envoy] >= 0.9

    sudan = load_scenario("sudan_2011")
    assert len(_events(sudan, "referendum")) == 1
    auhip = sudan.mediator_names.index("au_implementation_panel")
    assert sudan.organisation_names[sudan.mediator_sponsor[auhip]] == "african_union"

    election = load_scenario("election_crisis")
    assert _events(election, "election") == [20] and 22 in _events(election, "shock")
    assert 8 <= election.n_parties <= 12

    ring = load_scenario("contagion_ring")
    assert ring.n_parties == 12
    assert int((ring.relation_kind == 1).sum()) == 12  # the ring of kin ties
    assert 0 < int((ring.relation_kind == 0).sum()) <= 4


@pytest.mark.slow
@pytest.mark.parametrize("name", FILE_SCENARIOS)
def test_calibration_leaves_room_for_prevention(name):
    """With no action, violence within two years is neither rare nor certain (data calibrated to
    about 0.1-0.9 over 500 replicates; 200 here, with a little slack)."""
    df = run_ensemble(load_scenario(name), ["none"], replicates=200, horizon_weeks=104, seed=0)
    assert 0.05 <= df["violence"].mean() <= 0.95


# ---------------------------------------------------------------- the default scenario
def _as_array(value) -> np.ndarray:
    """A Scenario field as the .npz fixtures store it (names as strings, scalars as 0-d)."""
    return np.array(value, dtype=str) if isinstance(value, tuple | str) else np.asarray(value)


def _assert_matches_fixture(scenario: Scenario, fixture, prefix: str = "") -> None:
    """Every field equal to the fixture's array: same dtype kind, same bits."""
    for f in dataclasses.fields(scenario):
        value = getattr(scenario, f.name)
        if value is None:
            continue
        expected = fixture[prefix + f.name]
        actual = _as_array(value)
        assert actual.dtype.kind == expected.dtype.kind, f.name
        assert np.array_equal(actual, expected), f.name


def test_default_file_is_the_former_python_builder_bit_for_bit():
    # tests/data/default_scenario.npz was saved from the Python-built default_scenario() before
    # it was replaced by scenarios/default.yaml: same arrays, same floats, so the same runs.
    fixture = np.load(DATA / "default_scenario.npz")
    s = default_scenario()
    assert {f.name for f in dataclasses.fields(s)} == set(fixture.files)
    _assert_matches_fixture(s, fixture)


def test_default_scenario_is_loaded_once_and_by_name():
    assert default_scenario() is default_scenario()
    by_name = load_scenario("default")
    assert by_name.party_names == default_scenario().party_names
    np.testing.assert_array_equal(by_name.grievance, default_scenario().grievance)
    assert scenario_provenance("default")["sources"][0]["file"] == CORE


def test_load_scenario_passes_a_scenario_through():
    s = load_scenario("two_party")
    assert load_scenario(s) is s
    assert load_scenario(s, seed=None) is s  # None means "not set"
    with pytest.raises(SimInputError, match=r"^two_party: overrides: got \['seed'\]; "):
        load_scenario(s, seed=3)
    with pytest.raises(SimInputError, match=r"^scenario: got 3; must be a scenario name"):
        load_scenario(3)


# ---------------------------------------------------------------- generated scenarios
def test_generated_with_overrides():
    s = load_scenario("generated", n_parties=10)
    assert s.n_parties == 10
    assert load_scenario("generated").n_parties == 1000
    assert load_scenario("generated", n_parties=None).n_parties == 1000  # None: not overridden
    tiny = load_scenario("generated", n_parties=2)  # n_regions and mean_degree shrink to fit
    assert tiny.n_parties == 2 and tiny.n_organisations == 1
    run_ensemble(tiny, ["none"], replicates=5, horizon_weeks=10)


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_generated_topologies_run_and_are_deterministic(topology):
    a = load_scenario("generated", n_parties=60, topology=topology, seed=3)
    b = load_scenario("generated", n_parties=60, topology=topology, seed=3)
    c = load_scenario("generated", n_parties=60, topology=topology, seed=4)
    assert a.n_parties == 60
    for field in ("src", "dst", "relation_kind", "tension", "grievance", "party_kind"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not (np.array_equal(a.grievance, c.grievance) and np.array_equal(a.src, c.src)), (
        "another seed gives another network"
    )
    runs = [run_ensemble(s, ["none"], replicates=10, horizon_weeks=26, seed=5) for s in (a, b)]
    assert runs[0].equals(runs[1])


def test_generated_scenario_output_is_pinned():
    # tests/data/generated_scenarios.npz was saved before the generators moved to sim.networks;
    # the network and every draw must stay the same for the same arguments.
    fixture = np.load(DATA / "generated_scenarios.npz")
    cases = {
        "sbm": dict(topology="sbm", n_regions=3),
        "small_world": dict(topology="small_world"),
        "scale_free": dict(topology="scale_free"),
    }
    for label, arguments in cases.items():
        s = generated_scenario(60, mean_degree=4.0, rivalry_share=0.4, seed=3, **arguments)
        _assert_matches_fixture(s, fixture, prefix=f"{label}/")


def test_generator_limits_follow_the_network_size():
    assert generator_limits(1000)["mean_degree"] == GENERATOR_LIMITS["mean_degree"]
    assert generator_limits(10)["mean_degree"].high == 9
    assert generator_limits(10)["n_regions"].high == 5
    with pytest.raises(SimInputError, match=r"^generated\.n_regions: got 6; must be in \[1, 5\]"):
        generated_scenario(10, n_regions=6)
    s = generated_scenario(**GENERATOR_DEFAULTS)
    assert s.n_parties == GENERATOR_DEFAULTS["n_parties"]


def test_generated_override_errors_name_the_file_and_key():
    with pytest.raises(SimInputError, match=r"^scenarios/generated\.yaml: overrides\.n_parties"):
        load_scenario("generated", n_parties=1)
    with pytest.raises(SimInputError, match=r"overrides\.topology: got 'ring'"):
        load_scenario("generated", topology="ring")
    with pytest.raises(SimInputError, match=r"overrides: got \['colour'\]; unknown override"):
        load_scenario("generated", colour="red")


def test_overrides_are_an_error_for_hand_written_scenarios():
    with pytest.raises(SimInputError, match=r"^scenarios/two_party\.yaml: overrides"):
        load_scenario("two_party", n_parties=5)
    with pytest.raises(SimInputError, match=r"^scenarios/default\.yaml: overrides"):
        load_scenario("default", seed=2)


def test_unknown_scenario_name_lists_the_choices():
    with pytest.raises(SimInputError) as e:
        load_scenario("atlantis")
    assert "two_party" in str(e.value) and "default" in str(e.value)
    with pytest.raises(SimInputError):
        load_scenario("../../etc/passwd")


# ---------------------------------------------------------------- broken files
BASE = {
    "name": "tiny",
    "provenance": {
        "stands_for": "nothing",
        "sources": [{"file": CORE, "paragraphs": [19, "29-30"]}],
        "invented": "everything",
        "disclaimer": "Stylised teaching scenario, not a forecast.",
    },
    "parties": [
        {"id": "gov", "kind": "government", "grievance": 0.3, "organisation": "reg"},
        {"id": "reb", "kind": "armed_group", "grievance": 0.5, "stage": "dispute"},
        {"id": "com", "kind": "community"},
    ],
    "relations": [
        {"between": ["gov", "reb"], "kind": "rivalry", "tension": 0.3},
        {"between": ["reb", "com"], "kind": "affinity"},
    ],
    "mediators": [{"id": "envoy", "credibility": 0.8, "capacity": 2, "sponsor": "un"}],
    "organisations": [{"id": "reg", "leverage": 0.5, "response_weeks": 2}],
    "events": [{"week": 3, "kind": "election", "parties": ["gov", "reb"], "tension_shock": 0.1}],
    "un": {"unity": 0.8},
}


def _set(path, value):
    """A mutation that sets doc[path...] = value (a list index or a dict key at each step)."""

    def mutate(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _append(path, value):
    def mutate(doc):
        target = doc
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


def _drop(key):
    return lambda doc: doc.pop(key)


def _generated(block):
    """A mutation that turns BASE into a generated scenario with this generator block."""

    def mutate(doc):
        for key in list(doc):
            if key not in ("name", "provenance"):
                doc.pop(key)
        doc["generator"] = block

    return mutate


# (label, mutation of BASE or raw file text, substrings the one-line message must contain)
BROKEN = [
    (
        "edge to a missing party",
        _set(["relations", 0, "between"], ["gov", "ghost"]),
        ["relations[0].between", "ghost", "must name a party"],
    ),
    ("duplicate party ids", _set(["parties", 2, "id"], "gov"), ["parties[gov].id", "unique"]),
    (
        "duplicate mediator ids",
        _append(["mediators"], {"id": "envoy"}),
        ["mediators[envoy].id", "unique"],
    ),
    (
        "duplicate relation",
        _append(["relations"], {"between": ["reb", "gov"]}),
        ["relations[2].between", "at most one relation"],
    ),
    (
        "self loop",
        _append(["relations"], {"between": ["com", "com"]}),
        ["relations[2].between", "two different parties"],
    ),
    (
        "negative capacity",
        _set(["mediators", 0, "capacity"], -1),
        ["mediators[envoy].capacity", "-1"],
    ),
    (
        "fractional capacity",
        _set(["mediators", 0, "capacity"], 1.5),
        ["mediators[envoy].capacity", "integer"],
    ),
    ("unknown top-level key", _set(["partys"], []), ["top level", "partys", "allowed: name"]),
    (
        "unknown party key",
        _set(["parties", 0, "grievence"], 0.2),
        ["parties[gov]", "grievence", "allowed: id, kind, grievance"],
    ),
    (
        "unknown relation key",
        _set(["relations", 0, "strength"], 0.2),
        ["relations[0]", "strength", "allowed: between, kind, tension"],
    ),
    ("unknown mediator key", _set(["mediators", 0, "skill"], 0.2), ["mediators[envoy]", "skill"]),
    (
        "unknown organisation key",
        _set(["organisations", 0, "members"], []),
        ["organisations[reg]", "members"],
    ),
    ("unknown event key", _set(["events", 0, "when"], 3), ["events[0]", "when"]),
    ("unknown un key", _set(["un", "veto"], True), ["un", "veto", "allowed: unity"]),
    ("unknown provenance key", _set(["provenance", "author"], "me"), ["provenance", "author"]),
    (
        "unknown source key",
        _set(["provenance", "sources", 0, "page"], 3),
        ["provenance.sources[0]", "page"],
    ),
    (
        "unknown generator key",
        _generated({"n_parties": 20, "nodes": 3}),
        ["generator", "nodes", "allowed: topology"],
    ),
    (
        "bad generator value",
        _generated({"n_parties": 20, "rivalry_share": 2.0}),
        ["generator.rivalry_share", "[0.0, 1.0]"],
    ),
    (
        "generator and parties",
        _set(["generator"], {"n_parties": 20}),
        ["generator", "parties", "takes no parties"],
    ),
    (
        "wrong type",
        _set(["parties", 0, "grievance"], "high"),
        ["parties[gov].grievance", "'high'", "number"],
    ),
    (
        "wrong type for a flag",
        _set(["parties", 0, "history_of_violence"], "yes"),
        ["parties[gov].history_of_violence", "true or false"],
    ),
    (
        "out-of-range tension",
        _set(["relations", 0, "tension"], 1.5),
        ["relations[0].tension", "1.5", "[0, 1]"],
    ),
    (
        "tension on an affinity tie",
        _set(["relations", 1, "tension"], 0.4),
        ["relations[1].tension", "rivalry"],
    ),
    ("out-of-range un value", _set(["un", "unity"], -0.1), ["un.unity", "[0, 1]"]),
    (
        "not a number",
        _set(["parties", 1, "capability"], float("nan")),
        ["parties[reb].capability", "[0, 1]"],
    ),
    (
        "out-of-range shock",
        _set(["events", 0, "tension_shock"], 2.0),
        ["events[0].tension_shock", "[-1, 1]"],
    ),
    ("negative week", _set(["events", 0, "week"], -1), ["events[0].week"]),
    (
        "event for a missing party",
        _set(["events", 0, "parties"], ["gov", "nobody"]),
        ["events[0].parties", "nobody"],
    ),
    (
        "unknown kind",
        _set(["parties", 2, "kind"], "militia"),
        ["parties[com].kind", "government, armed_group, community"],
    ),
    ("unknown stage", _set(["parties", 1, "stage"], "riot"), ["parties[reb].stage", "riot"]),
    ("unknown event kind", _set(["events", 0, "kind"], "vote"), ["events[0].kind", "vote"]),
    (
        "missing organisation",
        _set(["parties", 0, "organisation"], "nato"),
        ["parties[gov].organisation", "nato"],
    ),
    (
        "missing sponsor",
        _set(["mediators", 0, "sponsor"], "nato"),
        ["mediators[envoy].sponsor", "nato"],
    ),
    ("missing party id", _set(["parties", 2], {"kind": "community"}), ["parties[2].id"]),
    ("boolean id", _set(["parties", 2, "id"], False), ["parties[2].id", "string id"]),
    ("missing between", _set(["relations", 0], {"kind": "rivalry"}), ["relations[0].between"]),
    (
        "between of three",
        _set(["relations", 0, "between"], ["gov", "reb", "com"]),
        ["relations[0].between", "two party ids"],
    ),
    ("parties not a list", _set(["parties"], {"gov": {}}), ["parties", "list"]),
    ("party not a mapping", _set(["parties", 2], "com"), ["parties[2]", "mapping"]),
    ("no parties", _set(["parties"], []), ["parties", "at least one party"]),
    ("missing provenance", _drop("provenance"), ["provenance", "stands_for"]),
    (
        "provenance without disclaimer",
        lambda d: d["provenance"].pop("disclaimer"),
        ["provenance.disclaimer"],
    ),
    (
        "disclaimer that forecasts",
        _set(["provenance", "disclaimer"], "A forecast for 2030."),
        ["provenance.disclaimer", "not a forecast"],
    ),
    (
        "bad paragraph range",
        _set(["provenance", "sources", 0, "paragraphs"], ["30-29"]),
        ["provenance.sources[0].paragraphs[0]", "30-29"],
    ),
    ("bad YAML syntax", "name: tiny\nparties: [gov, reb\n", ["line 3", "invalid YAML syntax"]),
    ("tab indentation", "name: tiny\n\tparties: []\n", ["line 2", "invalid YAML syntax"]),
    ("non-mapping file", "- gov\n- reb\n", ["got 'list'", "YAML mapping"]),
    ("empty file", "", ["empty file", "YAML mapping"]),
    (
        "python tag",
        "name: !!python/object/apply:os.system ['echo hacked']\n",
        ["line 1", "python/object", "not allowed"],
    ),
    ("duplicate key", "name: a\nname: b\n", ["line 2", "duplicate key"]),
]


def _write(tmp_path: Path, case) -> Path:
    label, mutation, _ = case
    path = tmp_path / f"{re.sub(r'[^a-z0-9]+', '_', label)}.yaml"
    if isinstance(mutation, str):
        path.write_text(mutation)
    else:
        doc = copy.deepcopy(BASE)
        mutation(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


def test_base_of_the_broken_corpus_is_valid(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False))
    s = load_scenario(path)
    assert s.party_names == ("gov", "reb", "com") and s.n_relations == 2
    assert s.organisation.tolist() == [0, -1, -1]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_files_fail_with_one_line_naming_file_and_entry(tmp_path, case):
    path = _write(tmp_path, case)
    with pytest.raises(SimInputError) as e:
        load_scenario(path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message  # names the file first
    for part in case[2]:
        assert part in message, f"{part!r} not in {message!r}"


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "constructed"
    path = tmp_path / "evil.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(SimInputError):
        read_scenario_file(path)
    assert not marker.exists()


def test_errors_inside_the_repository_name_the_relative_path():
    with pytest.raises(SimInputError) as e:
        load_scenario("kenya_2008", seed=1)
    assert str(e.value).startswith("scenarios/kenya_2008.yaml: ")


def test_ids_may_be_integers(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["parties"] = [{"id": 1}, {"id": 2}]
    doc["relations"] = [{"between": [1, 2], "tension": 0.2}]
    doc["events"] = [{"week": 1, "parties": [2]}]
    path = tmp_path / "ints.yaml"
    path.write_text(yaml.safe_dump(doc))
    s = load_scenario(path)
    assert s.party_names == ("1", "2") and s.event_parties.tolist() == [1]


def test_docstring_examples():
    import doctest

    import sim.scenarios_io

    result = doctest.testmod(sim.scenarios_io)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("module", ["sim.scenario", "sim.networks", "sim.errors"])
def test_docstring_examples_of_the_other_scenario_modules(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- building scenarios in Python
TINY_ARRAYS = dict(
    name="tiny",
    party_kind=[0, 1],
    organisation=[-1, -1],
    grievance=[0.3, 0.6],
    capability=[0.8, 0.4],
    will_to_settle=[0.5, 0.4],
    history=[False, True],
    stage=[0, 1],
    attention=[0, 0],
    src=[0],
    dst=[1],
    relation_kind=[0],
    tension=[0.4],
)


def test_from_arrays_converts_array_likes_to_the_kernels_dtypes():
    s = Scenario.from_arrays(**TINY_ARRAYS, un_unity=1)
    assert s.grievance.dtype == np.float64 and s.history.dtype == np.int64
    assert s.history.tolist() == [0, 1] and s.attention.tolist() == [0.0, 0.0]
    assert s.un_unity == 1.0 and isinstance(s.un_unity, float)
    assert s.n_mediators == 0 and s.event_party_ptr.tolist() == [0]


def test_the_constructor_checks_but_does_not_convert():
    with pytest.raises(SimInputError, match=r"^tiny: grievance: got 'list'; must be a contiguous"):
        Scenario(**TINY_ARRAYS)
    with pytest.raises(SimInputError, match=r"^tiny: stage: got \[0\.0, 1\.5\]; must be integers"):
        Scenario.from_arrays(**{**TINY_ARRAYS, "stage": [0.0, 1.5]})


def test_replace_converts_and_checks_again():
    s = Scenario.from_arrays(**TINY_ARRAYS)
    hotter = s.replace(tension=[0.9])
    assert hotter.tension.tolist() == [0.9] and s.tension.tolist() == [0.4]
    with pytest.raises(SimInputError, match=r"^tiny: tension\[0\]: got 1\.5; must be in \[0, 1\]"):
        s.replace(tension=[1.5])
    with pytest.raises(SimInputError, match=r"^Scenario\.replace: got \['tensions'\]; unknown"):
        s.replace(tensions=[0.9])


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"grievance": [0.3]}, r"grievance: got 1; must have one entry per party \(2\)"),
        ({"capability": [0.8, np.nan]}, r"capability\[1\]: got nan; must be in \[0, 1\]"),
        ({"stage": [0, 5]}, r"stage\[1\]: got 5; must be a stage in \[0, 4\]"),
        ({"organisation": [0, -1]}, r"organisation\[0\]: got 0; must be -1 \(none\)"),
        ({"dst": [0]}, r"relations\[0\]: got 0; a relation must join two different parties"),
        (
            {"src": [0, 1], "dst": [1, 0], "relation_kind": [0, 1], "tension": [0.4, 0.0]},
            r"relations\[1\]: got \['p1', 'p0'\]; each pair of parties may have at most one",
        ),
        ({"party_names": ("a",)}, r"party_names: got 1; must name every party \(2\)"),
        ({"un_leverage": 2.0}, r"un_leverage: got 2\.0; must be in \[0, 1\]"),
        (
            {"event_week": [3], "event_kind": [0], "event_tension_shock": [0.1]},
            r"event_grievance_shock: got 0; must have one entry per event \(1\)",
        ),
        (
            {
                "event_week": [3],
                "event_kind": [0],
                "event_tension_shock": [0.1],
                "event_grievance_shock": [0.0],
                "event_party_ptr": [0, 3],
                "event_parties": [0, 1],
            },
            r"event_party_ptr: got \[0, 3\]; must be a CSR pointer",
        ),
    ],
)
def test_scenario_arrays_are_checked(changes, message):
    with pytest.raises(SimInputError, match="^tiny: " + message):
        Scenario.from_arrays(**{**TINY_ARRAYS, **changes})


def test_from_records_checks_keys_values_and_references():
    parties = [{"id": "gov", "kind": "government"}, {"id": "reb", "grievance": 0.7}]
    s = Scenario.from_records("tiny", parties, [{"between": ["gov", "reb"]}], un={"unity": 1})
    assert s.party_kind.tolist() == [0, 2]  # kind defaults to community
    assert s.grievance.tolist() == [0.3, 0.7] and s.tension.tolist() == [0.1]
    assert s.un_unity == 1.0 and s.un_leverage == 0.6
    cases = [
        (dict(parties=[{"id": "gov", "grievence": 0.2}]), r"parties\[gov\]: got \['grievence'\]"),
        (
            dict(parties=[{"id": "gov", "capability": 1.2}]),
            r"parties\[gov\]\.capability: got 1\.2; must be in \[0, 1\]",
        ),
        (dict(mediators=[{"id": "m", "sponsor": "nato"}]), r"mediators\[m\]\.sponsor: got 'nato'"),
        (dict(events=[{"kind": "vote"}]), r"events\[0\]\.week: got None"),
        (dict(events=[{"week": 1, "parties": ["ghost"]}]), r"events\[0\]\.parties: got 'ghost'"),
        (dict(parties=[{"id": "gov"}, {"id": "gov"}]), r"parties\.id: got 'gov'; ids must be"),
    ]
    for changes, message in cases:
        records = {"parties": parties, "relations": [], **changes}
        with pytest.raises(SimInputError, match=r"^x\.yaml: " + message):
            Scenario.from_records("tiny", where="x.yaml", **records)


def test_one_table_of_limits_for_files_and_arrays(tmp_path):
    # The capacity limit of RECORD_LIMITS is what both a scenario file and the Scenario's array
    # check enforce, with the same range in the message.
    from sim.scenario import RECORD_LIMITS

    high = RECORD_LIMITS["mediators"]["capacity"].high
    doc = copy.deepcopy(BASE)
    doc["mediators"][0]["capacity"] = high
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert load_scenario(path).mediator_capacity.tolist() == [high]
    doc["mediators"][0]["capacity"] = high + 1
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(SimInputError, match=rf"capacity: got {high + 1}; must be in \[1, {high}\]"):
        load_scenario(path)
    s = load_scenario("two_party")
    with pytest.raises(
        SimInputError, match=rf"capacity\[0\]: got {high + 1}; must be in \[1, {high}\]"
    ):
        s.replace(mediator_capacity=[high + 1, 1])
