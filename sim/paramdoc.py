"""The parameter tables of ``docs/ODD.md``, generated from :mod:`sim.params` so the ODD cannot
drift from the code.

:func:`markdown_table` renders four tables from the declarations of :mod:`sim.schema` (read
from ``sim.params``): the scalar parameters (dotted name, default, allowed range, plausible
range, unit, meaning, source), the instrument table (rows = instruments, columns =
``Instrument`` fields, with a legend of the columns), the stage table (rows = instruments,
columns = stages) and the mechanism switches. The ODD holds them between the markers
``<!-- parameters:begin -->`` and ``<!-- parameters:end -->``; ``tests/test_docs.py`` checks
that they equal the generated ones.

    python -m sim.paramdoc                       # print the tables
    python -m sim.paramdoc --write docs/ODD.md   # replace the text between the markers
    python -m sim.paramdoc --check docs/ODD.md   # exit 1 if the ODD's tables differ

Example:
    >>> table = markdown_table()
    >>> "| `tension_decay` |" in table and "| envoy |" in table
    True
    >>> doc = f"intro\\n{BEGIN}\\nold table\\n{END}\\nmore\\n"
    >>> extract_block(replace_block(doc, "new table"))
    'new table'
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from .files import atomic_path
from .params import STAGE_NAMES, Instrument, Parameters, StageEffect
from .schema import declarations

BEGIN = "<!-- parameters:begin -->"
END = "<!-- parameters:end -->"
#: The command that regenerates the ODD's tables (printed by ``--check`` when they differ).
REGENERATE = "python -m sim.paramdoc --write docs/ODD.md"
_NESTED = ("instruments.", "stage_effect.", "mechanisms.")


# ---------------------------------------------------------------- cells
def fmt(value: Any) -> str:
    """A value as the tables show it: ``true``/``false``, integers as such, floats to 12
    significant digits without a trailing ``.0`` (``0.045``, ``15``, ``1e-05``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.12g}"


def fmt_range(bounds: tuple[Any, Any] | None) -> str:
    return "—" if bounds is None else f"[{fmt(bounds[0])}, {fmt(bounds[1])}]"


def cell(text: str) -> str:
    """Text safe inside a markdown table cell ('—' when empty)."""
    text = " ".join(str(text).split())
    return text.replace("|", "\\|") if text else "—"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def header(names: list[str]) -> list[str]:
    return [row(names), row(["---"] * len(names))]


# ---------------------------------------------------------------- the four tables
def scalar_table(p: Parameters) -> list[str]:
    lines = [
        "**Scalar parameters** (`model.<name>`; one week per step). *Allowed* is checked on "
        "input; *plausible* is the range the sensitivity and calibration experiments sample; a "
        "source '—' means the code names none: the default is a stated assumption (section 9).",
        "",
        *header(["parameter", "default", "allowed", "plausible", "unit", "meaning", "source"]),
    ]
    values = p.flat()
    for d in declarations("model"):
        if d.name.startswith(_NESTED):
            continue
        lines.append(
            row(
                [
                    f"`{d.name}`",
                    fmt(values[d.name]),
                    fmt_range(d.allowed),
                    fmt_range(d.plausible),
                    cell(d.unit),
                    cell(d.meaning),
                    cell(d.source),
                ]
            )
        )
    return lines


def instrument_table(p: Parameters) -> list[str]:
    columns = dataclasses.fields(Instrument)
    lines = [
        "**Instrument table** (`model.instruments.<instrument>.<column>`; `none` is an "
        "instrument that does nothing).",
        "",
        *header(["instrument", *(f"`{f.name}`" for f in columns)]),
    ]
    for f in dataclasses.fields(p.instruments):
        inst = getattr(p.instruments, f.name)
        lines.append(row([f.name, *(fmt(getattr(inst, c.name)) for c in columns)]))
    lines += ["", "Columns of the instrument table:", ""]
    lines += header(["column", "meaning", "unit", "allowed"])
    for c in columns:
        meta = c.metadata
        allowed = "true/false" if c.type in (bool, "bool") else fmt_range(meta["range"])
        lines.append(row([f"`{c.name}`", cell(meta["meaning"]), cell(meta["unit"]), allowed]))
    return lines


def stage_table(p: Parameters) -> list[str]:
    ranges = sorted({fmt_range(f.metadata["range"]) for f in dataclasses.fields(StageEffect)})
    lines = [
        "**Stage table** (`model.stage_effect.<instrument>.<stage>`): the share of an "
        f"instrument's force that survives at the stage it meets, allowed {', '.join(ranges)} "
        "(`none`: 0 at every stage).",
        "",
        *header(["instrument", *STAGE_NAMES]),
    ]
    for f in dataclasses.fields(p.stage_effect):
        lines.append(row([f.name, *(fmt(v) for v in getattr(p.stage_effect, f.name).as_tuple())]))
    return lines


def mechanism_table(p: Parameters) -> list[str]:
    lines = [
        "**Mechanism switches** (`model.mechanisms.<name>=false` removes the mechanism; "
        "section 7.7).",
        "",
        *header(["switch", "default", "meaning", "source"]),
    ]
    for f in dataclasses.fields(p.mechanisms):
        meta = f.metadata
        value = getattr(p.mechanisms, f.name)
        lines.append(row([f"`{f.name}`", fmt(value), cell(meta["meaning"]), cell(meta["source"])]))
    return lines


def markdown_table(p: Parameters | None = None) -> str:
    """The four parameter tables of the ODD as markdown (the defaults unless ``p`` is given)."""
    p = p if p is not None else Parameters()
    parts = [scalar_table(p), instrument_table(p), stage_table(p), mechanism_table(p)]
    return "\n\n".join("\n".join(lines) for lines in parts)


# ---------------------------------------------------------------- the block in the ODD
def _span(text: str) -> tuple[int, int]:
    """Start and end of the text between the markers; ValueError unless each occurs once, in
    order."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"needs exactly one {BEGIN} and one {END}")
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END)
    if end < start:
        raise ValueError(f"{END} comes before {BEGIN}")
    return start, end


def extract_block(text: str) -> str:
    """The text between the markers, without its surrounding blank lines."""
    start, end = _span(text)
    return text[start:end].strip("\n")


def replace_block(text: str, table: str) -> str:
    """``text`` with the text between the markers replaced by ``table``."""
    start, end = _span(text)
    return text[:start] + "\n" + table.strip("\n") + "\n" + text[end:]


def write(path: Path, table: str) -> bool:
    """Replace the block in ``path`` atomically (temporary file, then rename); True if it
    changed."""
    text = path.read_text(encoding="utf-8")
    new = replace_block(text, table)
    if new == text:
        return False
    with atomic_path(path) as tmp:
        tmp.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.paramdoc", description=__doc__.split("\n\n")[0].replace("\n", " ")
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, metavar="ODD", help="replace the block in ODD")
    group.add_argument("--check", type=Path, metavar="ODD", help="exit 1 if ODD's block differs")
    a = parser.parse_args(argv)
    table = markdown_table()
    if a.write is None and a.check is None:
        print(table)
        return 0
    path = a.write if a.write is not None else a.check
    try:
        if a.write is not None:
            changed = write(path, table)
            print(f"{path}: parameter tables {'updated' if changed else 'already up to date'}")
            return 0
        current = extract_block(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    if current != table.strip("\n"):
        print(
            f"{path}: parameter tables differ from sim.params; run: {REGENERATE}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
