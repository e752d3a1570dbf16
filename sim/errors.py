"""User-facing input errors: one line naming the field, the value and what is allowed."""


class SimInputError(ValueError):
    """Bad input to the public API or a config/scenario file.

    The message is a single line: ``<field>: got <value>; <what is allowed>``.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; {allowed}")


def check_range(field: str, value, low: float, high: float, *, integer: bool = False) -> None:
    """Raise SimInputError unless ``low <= value <= high`` (and finite, and integral if asked)."""
    import math

    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an integer" if integer else "a number"
        raise SimInputError(field, value, f"must be {kind} in [{low}, {high}]")
    if integer and (isinstance(value, float) and not value.is_integer()):
        raise SimInputError(field, value, f"must be an integer in [{low}, {high}]")
    if isinstance(value, float) and not math.isfinite(value):
        raise SimInputError(field, value, f"must be a finite number in [{low}, {high}]")
    if not (low <= value <= high):
        raise SimInputError(field, value, f"must be in [{low}, {high}]")
