"""Shape of the stylised-facts table used for pattern-oriented calibration.

``sim/data/stylised_facts.csv`` holds one published (or derived) figure per row with the interval
a calibrated stylised model should hit and the model quantity it is compared with. What each
quantity means and how it is computed is in ``docs/stylised_facts.md``. These tests only check
the table's form: columns, names, numbers, intervals, citations and the vocabulary of model
quantities below.
"""

import csv
import math
import re
from pathlib import Path

import pytest

FACTS = Path(__file__).resolve().parents[1] / "sim" / "data" / "stylised_facts.csv"

COLUMNS = [
    "name",
    "value",
    "low",
    "high",
    "model_quantity",
    "unit",
    "weight",
    "citation",
    "locator",
    "note",
]

#: Model quantities a fact may be compared with (defined in docs/stylised_facts.md).
ALLOWED_QUANTITIES = {
    # recurrence (per party: episode ended = back at calm; relapse = new entry into violence)
    "relapse_share_260w",
    "relapse_share_520w",
    "relapse_share_ever_3328w",
    # onsets, durations, escalation
    "onset_share_with_history_mixed",
    "war_episode_rmst_weeks_1040",
    "violence_share_104w_from_crisis",
    "neighbour_onset_rr_104w",
    # early warning
    "warning_balanced_accuracy_104w",
    # mediation (envoy)
    "envoy_success_share_violence_30w",
    "envoy_success_share_war_30w",
    "envoy_success_gap_violence_minus_war",
    "envoy_ripeness_gap_lb",
    "envoy_timing_u_shape_lb",
    "envoy_unity_gap_lb",
    # peacekeeping
    "pk_relapse_rrr_260w",
    "pk_intensity_doubling_rrr_520w",
    "pk_war_rrr_104w",
    # sanctions
    "sanctions_success_share_violence_30w",
    "sanctions_grievance_backlash_lb",
    "sanctions_backlash_dose_lb",
    "sanctions_stage_gain_lb",
    # timing of action (SG 2011, para 47)
    "early_small_vs_late_large_lb",
}

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def load_rows() -> tuple[list[str], list[dict[str, str]]]:
    with FACTS.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def number(text: str, what: str, name: str) -> float | None:
    """The cell as a finite float, or None if empty."""
    if text.strip() == "":
        return None
    try:
        x = float(text)
    except ValueError:
        pytest.fail(f"{name}: {what} {text!r} is not a number")
    assert math.isfinite(x), f"{name}: {what} {text!r} is not finite"
    return x


FIELDNAMES, ROWS = load_rows()


def test_columns_are_exactly_the_documented_ones():
    assert FIELDNAMES == COLUMNS


def test_table_is_not_empty_and_every_row_is_complete():
    assert len(ROWS) >= 11  # facts a-k of the brief, at least one row each
    for row in ROWS:
        assert None not in row, f"{row.get('name')}: more cells than columns"
        assert all(row[c] is not None for c in COLUMNS), f"{row.get('name')}: missing cells"


def test_names_are_unique_snake_case():
    names = [r["name"] for r in ROWS]
    assert len(names) == len(set(names)), "duplicate fact names"
    for name in names:
        assert SNAKE.match(name), f"{name!r} is not snake_case"


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_interval_is_ordered_and_holds_the_value(row):
    name = row["name"]
    value = number(row["value"], "value", name)
    low = number(row["low"], "low", name)
    high = number(row["high"], "high", name)
    # the score needs a bounded interval of positive width
    assert low is not None and high is not None, f"{name}: low and high are required"
    assert low < high, f"{name}: low {low} must be below high {high}"
    if value is not None:
        assert low <= value <= high, f"{name}: value {value} outside [{low}, {high}]"


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_weight_is_a_non_negative_number(row):
    weight = number(row["weight"], "weight", row["name"])
    assert weight is not None and weight >= 0, f"{row['name']}: weight {weight}"


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_citation_unit_and_note_are_given(row):
    for column in ("citation", "unit", "note"):
        assert row[column].strip(), f"{row['name']}: empty {column}"


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_note_says_whether_the_figure_was_verified(row):
    note = row["note"].upper()
    assert any(tag in note for tag in ("VERIFIED", "FROM MEMORY", "COMPUTED FROM DATA")), (
        f"{row['name']}: note must say VERIFIED, FROM MEMORY or COMPUTED FROM DATA"
    )


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_model_quantity_is_in_the_documented_vocabulary(row):
    assert row["model_quantity"] in ALLOWED_QUANTITIES, (
        f"{row['name']}: unknown model quantity {row['model_quantity']!r}"
    )


def test_some_facts_are_scored():
    assert sum(float(r["weight"]) for r in ROWS) > 0


def test_documentation_defines_every_quantity_used():
    doc = (FACTS.parents[2] / "docs" / "stylised_facts.md").read_text(encoding="utf-8")
    for quantity in {r["model_quantity"] for r in ROWS}:
        assert f"`{quantity}`" in doc, f"{quantity} is not defined in docs/stylised_facts.md"
