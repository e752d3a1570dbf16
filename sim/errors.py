"""User-facing input errors, and the checks that raise them.

Every check raises :class:`SimInputError`, whose message is one line
``<field>: got <value>; <what is allowed>``: a user can find and fix the bad value without
reading a traceback. The checks return the value they accept (converted where that is the
point, e.g. :meth:`Range.check` gives a float or an int), so callers check and convert in one
step.

Example:
    >>> Range(0, 1).check("grievance", 1)
    1.0
    >>> check_choice("kind", "militia", ("government", "community"))
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: kind: got 'militia'; must be one of government, community
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from typing import NamedTuple

#: How much of a bad value (its ``repr``) and of a field name a message shows.
MAX_SHOWN = 80


class SimInputError(ValueError):
    """Bad input to the public API or a config/scenario file.

    The message is a single line: ``<field>: got <value>; <what is allowed>``.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        field_text = shown(field, 3 * MAX_SHOWN, plain=True)
        super().__init__(f"{field_text}: got {shown(value)}; {one_line(allowed)}")


def shown(value, limit: int = MAX_SHOWN, *, plain: bool = False) -> str:
    """How a message shows ``value``: its repr (a string as it is if ``plain``) on one line, cut
    to about ``limit`` characters with an ellipsis and the full length.

    >>> shown("x" * 100_000)[-20:]
    'xxx… (100,002 chars)'
    >>> shown([1, 2])
    '[1, 2]'
    """
    try:
        text = value if plain and isinstance(value, str) else repr(value)
    except RecursionError:  # a structure nested too deep to print
        text = f"<a {type(value).__name__} nested too deep to show>"
    text = one_line(text) if "\n" in text or "\r" in text else text
    if len(text) <= limit:
        return text
    return f"{text[: limit - 8]}… ({len(text):,} chars)"


def is_number(value) -> bool:
    """Whether ``value`` is a real number: Python's or numpy's ints and floats, not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_integer(value) -> bool:
    """Whether ``value`` is an integer (Python's or numpy's, not a boolean) or an integral float."""
    if isinstance(value, numbers.Integral):
        return not isinstance(value, bool)
    return is_number(value) and math.isfinite(value) and float(value).is_integer()


def check_range(field: str, value, low: float, high: float, *, integer: bool = False) -> None:
    """Raise SimInputError unless ``low <= value <= high`` (and finite, and integral if asked).

    Numbers are Python's or numpy's ints and floats (``np.int64(3)`` is an integer, ``2.0`` an
    integral number); booleans, strings and the like are not numbers.
    """
    if not is_number(value):
        kind = "an integer" if integer else "a number"
        raise SimInputError(field, value, f"must be {kind} in [{low}, {high}]")
    if not math.isfinite(value):
        raise SimInputError(field, value, f"must be a finite number in [{low}, {high}]")
    if integer and not is_integer(value):
        raise SimInputError(field, value, f"must be an integer in [{low}, {high}]")
    if not (low <= value <= high):
        raise SimInputError(field, value, f"must be in [{low}, {high}]")


class Range(NamedTuple):
    """The inclusive range a number may take (whole numbers only if ``integer``).

    Ranges are data so that one table can both check single values (:meth:`check`) and bound
    whole arrays, and so that the limits of a value are written down in one place.

    >>> Range(1, 1000, integer=True).check("capacity", 2.0)
    2
    >>> Range(-1, 1).check("shock", 2)
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: shock: got 2; must be in [-1, 1]
    """

    low: float
    high: float
    integer: bool = False

    def check(self, field: str, value) -> float | int:
        """``value`` as a float (an int if ``integer``), if it is a number inside the range."""
        check_range(field, value, self.low, self.high, integer=self.integer)
        return int(value) if self.integer else float(value)


def check_choice(field: str, value, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed`` (labels such as a party kind)."""
    if not isinstance(value, str) or value not in allowed:
        raise SimInputError(field, value, f"must be one of {', '.join(allowed)}")
    return value


def check_bool(field: str, value) -> bool:
    """``value`` if it is a boolean: 1, "yes" and the like are refused, not guessed at."""
    if not isinstance(value, bool):
        raise SimInputError(field, value, "must be true or false")
    return value


def check_string(field: str, value, *, empty: bool = False) -> str:
    """``value`` if it is a string (a non-blank one unless ``empty``)."""
    if not isinstance(value, str) or (not empty and not value.strip()):
        allowed = "must be a string" if empty else "must be a non-empty string"
        raise SimInputError(field, value, allowed)
    return value


def check_list(field: str, value, what: str) -> list:
    """``value`` if it is a list; ``what`` says what its items must be (for the message)."""
    if not isinstance(value, list):
        raise SimInputError(field, value, f"must be a list of {what}")
    return value


def check_keys(field: str, mapping, allowed: Collection[str]) -> dict:
    """``mapping`` if it is a dict whose keys are all in ``allowed`` (a typo is an error).

    >>> check_keys("un", {"unity": 0.8, "veto": True}, ("unity", "leverage"))
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: un: got ['veto']; unknown key; allowed: unity, leverage
    """
    if not isinstance(mapping, dict):
        raise SimInputError(field, mapping, f"must be a mapping with keys {', '.join(allowed)}")
    unknown = sorted(str(key) for key in mapping if key not in allowed)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise SimInputError(field, unknown, f"unknown key{plural}; allowed: {', '.join(allowed)}")
    return mapping


def one_line(text) -> str:
    """``str(text)`` with every run of whitespace (newlines included) made one space.

    Messages of other libraries (YAML parsers, OS errors) are quoted inside a SimInputError, whose
    message must stay on one line.

    >>> one_line("expected ','\\n  in line 3")
    "expected ',' in line 3"
    """
    return " ".join(str(text).split())
