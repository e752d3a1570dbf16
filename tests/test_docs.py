"""docs/ODD.md against the code: the generated parameter tables, the names it must mention, the
tests it cites and the paragraphs of S/2011/552 it cites.

Runs without numba and without the shared sources beside the repository: the paragraphs the ODD
may cite are listed here, each with a phrase the paragraph contains, checked against the excerpts
of the report that the repository carries (``tests/data/s2011_552_excerpts.json``, extracted once
from the source file).
"""

import ast
import dataclasses
import json
import re
from pathlib import Path

import pytest

from sim import paramdoc
from sim.params import Instrument, Mechanisms, Parameters, iter_fields
from sim.state import ACTION_DTYPE, OUTCOME_DTYPE, PARTY_FIELDS, RUN_DTYPE

REPO = Path(__file__).resolve().parent.parent
ODD = REPO / "docs" / "ODD.md"
#: Excerpts of S/2011/552, "Preventive diplomacy: delivering results": a few words of each
#: numbered paragraph (the report itself is beside the repository, not in it).
EXCERPTS = Path(__file__).resolve().parent / "data" / "s2011_552_excerpts.json"

#: The paragraphs of S/2011/552 the ODD may cite, each with words it contains (read in the report).
#: Citing another paragraph means reading it first and adding it here.
PARAGRAPHS = {
    8: "regular budget of less than",
    14: "more coercive tools such as targeted sanctions have added critical leverage",
    16: "international interest is strong but conflicted",
    17: "able to deploy within 72 hours",
    18: "appointed envoys to help to defuse tensions",
    19: "would again become the theatre of regional war",
    20: "avert further deterioration into a civil war",
    24: "potential destabilization of neighbouring",
    29: "90 per cent of civil wars in the past decade",
    31: "act as a multiplier of diplomatic efforts",
    32: "helping to shift the calculations of the parties, defuse tensions and build confidence",
    38: "systemic, long-standing and unresolved grievances",
    41: "one of the most critical of which is the will of the parties",
    44: "predicting crises remains an uncertain business",
    45: "threshold moments",
    46: "improves with proximity",
    47: "warning-to-action continuum",
    56: "preventive diplomacy efforts tend to scale back down",
    57: "must remain available longer than has generally been the case",
    61: "hard to acquire and easy to lose",
    62: "improving its rosters of senior envoys",
    63: "even the most experienced envoys cannot do it alone",
    64: "needs continued financial investment",
    66: "early warning is useful only if it leads to early action",
}
#: "para 47", "paras 19, 24", "paras 44–47", "paras 47 and 66", "S/2011/552 paras 47, 61-64".
CITATION = re.compile(r"\bparas?\.?\s+(\d+(?:\s*(?:,|–|-|and)\s*\d+)*)")

#: Kernel functions that are machinery, not rules (copies, runners, records of results).
KERNEL_MACHINERY = {
    "clip01",
    "sigmoid",
    "copy_parties",
    "copy_state",
    "step",
    "outcomes",
    "record",
    "run_replicate",
    "ensemble",
    "ensemble_final_states",
    "ensemble_stage_history",
    "store_parties",
}


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def prose(odd) -> str:
    """The ODD without its generated tables: what a person wrote."""
    start, end = odd.index(paramdoc.BEGIN), odd.index(paramdoc.END)
    return odd[:start] + odd[end:]


def mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) is not None


def cited_paragraphs(text: str) -> set[int]:
    cited = set()
    for match in CITATION.finditer(text):
        numbers = re.split(r"\s*(,|–|-|and)\s*", match.group(1))
        for k in range(0, len(numbers), 2):
            cited.add(int(numbers[k]))
            if k >= 2 and numbers[k - 1] in ("–", "-"):
                cited.update(range(int(numbers[k - 2]), int(numbers[k]) + 1))
    return cited


# ---------------------------------------------------------------- the generated tables
def test_parameter_tables_equal_the_generated_ones(odd):
    assert paramdoc.extract_block(odd) == paramdoc.markdown_table().strip("\n"), (
        f"docs/ODD.md's parameter tables differ from sim.params; run: {paramdoc.REGENERATE}"
    )


def test_tables_list_every_parameter():
    table = paramdoc.markdown_table()
    for name, _, _ in iter_fields(Parameters()):
        head, _, leaf = name.rpartition(".")
        if not head:
            assert f"| `{name}` |" in table, name
        elif head == "mechanisms":
            assert f"| `{leaf}` |" in table, name
        else:  # instruments.<row>.<column>, stage_effect.<row>.<stage>: a row and a column
            row, column = head.split(".")[1], leaf
            assert f"| {row} |" in table and (f"`{column}`" in table or f"| {column} |" in table)


def test_check_and_write(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text(f"# ODD\n\n{paramdoc.BEGIN}\nstale\n{paramdoc.END}\n\nafter\n", encoding="utf-8")
    assert paramdoc.main(["--check", str(doc)]) == 1
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and paramdoc.REGENERATE in message
    assert paramdoc.main(["--write", str(doc)]) == 0
    assert paramdoc.main(["--check", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# ODD\n\n") and text.endswith("\n\nafter\n")
    assert [p.name for p in tmp_path.iterdir()] == ["ODD.md"]  # no temporary file left behind
    doc.write_text("no markers\n", encoding="utf-8")
    assert paramdoc.main(["--check", str(doc)]) == 2


def test_docstring_examples():
    import doctest

    result = doctest.testmod(paramdoc)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- names the prose must use
def test_prose_names_every_scalar_parameter_and_switch(prose):
    scalars = [name for name, _, _ in iter_fields(Parameters()) if "." not in name]
    switches = [f.name for f in dataclasses.fields(Mechanisms)]
    columns = [f.name for f in dataclasses.fields(Instrument)]
    missing = [n for n in scalars + switches + columns if not mentioned(n, prose)]
    assert not missing, f"described nowhere outside the generated tables: {missing}"


def test_prose_names_the_state(prose):
    names = [name for name, _, _ in PARTY_FIELDS]
    names += list(RUN_DTYPE.names) + list(ACTION_DTYPE.names) + list(OUTCOME_DTYPE.names)
    missing = [n for n in names if not mentioned(n, prose)]
    assert not missing, missing


def test_every_rule_of_the_kernels_has_its_submodel(prose):
    tree = ast.parse((REPO / "sim" / "kernels.py").read_text(encoding="utf-8"))
    rules = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    missing = [n for n in rules if n not in KERNEL_MACHINERY and f"`{n}`" not in prose]
    assert not missing, missing


def test_cited_tests_exist_and_every_pattern_test_is_cited(prose):
    defined = set()
    for path in (REPO / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    cited = set(re.findall(r"`(test_\w+)", prose))
    assert cited <= defined, sorted(cited - defined)
    patterns = (REPO / "tests" / "test_patterns.py").read_text(encoding="utf-8")
    assert set(re.findall(r"^def (test_\w+)", patterns, re.M)) <= cited


def test_calibration_section_lists_the_free_parameters(prose):
    from experiments.calibration import FREE

    section = prose[prose.index("## 9. Calibration") : prose.index("## 10.")]
    scalars = {name for name, _, _ in iter_fields(Parameters()) if "." not in name}
    assert set(re.findall(r"`(\w+)`", section)) & scalars == set(FREE)


# ---------------------------------------------------------------- citations of S/2011/552
def test_citation_pattern():
    assert cited_paragraphs(
        "para 8; paras 19, 24; paras 44–47, 66; para 56-57; paras 47 and 66"
    ) == {8, 19, 24, 44, 45, 46, 47, 66, 56, 57}


def test_cited_paragraphs_are_known(odd):
    unknown = cited_paragraphs(odd) - set(PARAGRAPHS)
    assert not unknown, f"cite only paragraphs checked against S/2011/552: {sorted(unknown)}"


def test_known_paragraphs_say_what_we_quote():
    excerpts = json.loads(EXCERPTS.read_text(encoding="utf-8"))
    assert excerpts["source"] == "003_152554e5fab3c98f.txt"
    paragraphs = excerpts["paragraphs"]
    missing = [n for n in PARAGRAPHS if str(n) not in paragraphs]
    assert not missing, f"no excerpt of paragraphs {missing} in {EXCERPTS.name}"
    wrong = [n for n, words in PARAGRAPHS.items() if words not in paragraphs[str(n)]]
    assert not wrong, wrong
