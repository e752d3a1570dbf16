"""Your own scenario: python -m sim.scenarios new|check|show|export|import, networkx in and out
(sim/graphs.py), and scenario-file errors with line and column numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim import graphs
from sim.errors import SimInputError
from sim.scenarios import main
from sim.scenarios_io import load_scenario

REPO = Path(__file__).resolve().parent.parent
PARTY_ARRAYS = ("party_kind", "organisation", "grievance", "capability", "will_to_settle",
                "history", "stage", "attention")  # fmt: skip
RELATION_ARRAYS = ("relation_kind", "tension")


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def same_network(a, b) -> None:
    assert a.party_names == b.party_names
    for name in PARTY_ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    edges = lambda s: {  # noqa: E731
        frozenset((s.party_name(int(i)), s.party_name(int(j)))): (int(k), float(t))
        for i, j, k, t in zip(s.src, s.dst, s.relation_kind, s.tension, strict=True)
    }
    got, want = edges(a), edges(b)
    assert got.keys() == want.keys()
    for pair, (kind, tension) in want.items():
        assert got[pair][0] == kind
        assert kind == 1 or got[pair][1] == tension  # affinity: no tension carried


def test_new_copies_a_scenario_under_a_new_name(tmp_path, capsys):
    out = tmp_path / "my_region.yaml"
    status, printed, _ = run_cli(
        capsys, "new", "my_region", "--from", "kenya_2008", "--out", str(out)
    )
    assert status == 0 and str(out) in printed
    mine, kenya = load_scenario(out), load_scenario("kenya_2008")
    assert mine.name == "my_region"
    same_network(mine, kenya)
    np.testing.assert_array_equal(mine.event_week, kenya.event_week)
    assert "# Made by: python -m sim.scenarios new my_region" in out.read_text()
    # never replaced without --force; nothing else written
    status, _, err = run_cli(capsys, "new", "my_region", "--out", str(out))
    assert status == 2 and err.count("\n") == 1 and "pass --force" in err
    assert load_scenario(out).n_parties == kenya.n_parties
    assert run_cli(capsys, "new", "my_region", "--out", str(out), "--force")[0] == 0
    assert load_scenario(out).n_parties == load_scenario("two_party").n_parties
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_region.yaml"]


@pytest.mark.parametrize("name", ["../evil", "a/b", "x.yaml", ""])
def test_new_refuses_a_name_that_is_a_path(tmp_path, capsys, name):
    status, _, err = run_cli(capsys, "new", name, "--out", str(tmp_path / "x.yaml"))
    assert status == 2 and err.startswith("error: name: got") and err.count("\n") == 1


def test_check_names_line_and_column_of_a_bad_value(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    run_cli(capsys, "new", "bad", "--from", "kenya_2008", "--out", str(path))
    lines = path.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if "{id: odm," in line)
    lines[row] = lines[row].replace("grievance: 0.47", "grievance: high")
    path.write_text("\n".join(lines) + "\n")
    status, _, err = run_cli(capsys, "check", str(path))
    column = lines[row].index("high") + 1
    assert status == 2 and err.count("\n") == 1
    assert "parties[odm].grievance: got 'high'; must be" in err
    assert err.rstrip().endswith(f"(line {row + 1}, column {column})")


def test_position_of_an_unknown_key_and_a_dangling_reference(tmp_path):
    path = tmp_path / "x.yaml"
    text = (REPO / "scenarios/two_party.yaml").read_text()
    path.write_text(text.replace("\nrelations:", "\nrelatons:", 1))
    with pytest.raises(SimInputError, match=r"unknown key.*\(line \d+, column 1\)$") as e:
        load_scenario(path)
    line = int(str(e.value).rsplit("line ", 1)[1].split(",")[0])
    assert path.read_text().splitlines()[line - 1].startswith("relatons:")


def test_show_writes_a_png(tmp_path, capsys):
    png = tmp_path / "kenya.png"
    status, _, _ = run_cli(capsys, "show", "kenya_2008", "--out", str(png), "--seed", "2")
    assert status == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graphml_round_trip_keeps_the_network(tmp_path, capsys):
    path = tmp_path / "kenya.graphml"
    assert (
        run_cli(capsys, "export", "kenya_2008", "--format", "graphml", "--out", str(path))[0] == 0
    )
    kenya = load_scenario("kenya_2008")
    back = graphs.graph_to_scenario(graphs.read_graph(path), base=kenya)
    same_network(back, kenya)
    assert back.mediator_names == kenya.mediator_names and back.un_unity == kenya.un_unity
    # and through the command line into a scenario file
    out = tmp_path / "imported.yaml"
    args = ("import", str(path), "--name", "imported", "--from", "kenya_2008", "--out", str(out))
    assert run_cli(capsys, *args)[0] == 0
    same_network(load_scenario(out), kenya)
    # its parties name the African Union: without --from the organisation is undefined
    status, _, err = run_cli(capsys, "import", str(path), "--name", "x", "--out", str(out))
    assert status == 2 and err.startswith("error: --from: got None; the graph's parties name")


def test_edge_list_out_and_in(tmp_path, capsys):
    path = tmp_path / "two.edges"
    assert (
        run_cli(capsys, "export", "two_party", "--format", "edgelist", "--out", str(path))[0] == 0
    )
    g = graphs.read_graph(path)
    assert g.edges["gov", "opposition"]["kind"] == "rivalry"
    assert g.edges["gov", "opposition"]["tension"] == pytest.approx(
        float(load_scenario("two_party").tension[0])
    )
    bad = tmp_path / "bad.edges"
    bad.write_text("# comment\ngov opposition rivalry 0.3\ngov opposition enmity\n")
    status, _, err = run_cli(
        capsys, "import", str(bad), "--name", "b", "--out", str(tmp_path / "b.yaml")
    )
    assert status == 2 and "line 3: kind: got 'enmity'; must be one of rivalry, affinity" in err
    assert not (tmp_path / "b.yaml").exists()


def test_a_researchers_networkx_graph_becomes_a_runnable_scenario():
    from sim.ensemble import run_ensemble

    g = nx.Graph(name="alliances")
    g.add_node("a", kind="government", grievance=0.4, stage="dispute", weight=3)  # weight ignored
    g.add_edge("a", "b", kind="rivalry", tension=0.5)
    g.add_edge("b", "c", kind="affinity")
    g.add_edge("c", "d")  # defaults: rivalry, tension 0.1
    s = graphs.graph_to_scenario(g, base=load_scenario("two_party"))
    assert s.name == "alliances" and s.party_names == ("a", "b", "c", "d")
    assert float(s.grievance[0]) == 0.4 and s.n_mediators == 2
    assert set(graphs.scenario_to_graph(s).edges) == set(g.edges)
    df = run_ensemble(s, ["none", "envoy"], replicates=20, horizon_weeks=10, seed=1)
    assert len(df) == 40
    bad = nx.Graph()
    bad.add_node("a", grievance=2.0)
    with pytest.raises(SimInputError, match=r"parties\[a\]\.grievance: got 2\.0"):
        graphs.graph_to_scenario(bad)


def test_command_line_errors_are_one_line_with_status_2():
    result = subprocess.run(
        [sys.executable, "-m", "sim.scenarios", "show", "nowhere_2020"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: scenario: got 'nowhere_2020'")
    assert result.stderr.count("\n") == 1


def test_the_documented_graph_example_runs():
    import re

    text = (REPO / "docs" / "research_tools.md").read_text()
    code = re.search(r"<!-- example: graph -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(
        compile(code.replace("replicates=500", "replicates=20"), "research_tools.md", "exec"),
        namespace,
    )  # noqa: S102
    assert namespace["scenario"].party_names == ("capital", "rebels", "diaspora")
    assert len(namespace["df"]) == 40
