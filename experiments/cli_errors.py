"""Stand-in for ``sim.cli_errors``: the exit status, exception and one-line message of bad input,
shared with ``python -m sim``.

MERGE: ``sim/cli_errors.py`` (being written on main) defines these names. Delete this module and
point the one marked import line in :mod:`experiments.app` and :mod:`experiments.aggregate` at
``sim.cli_errors``. Until then this is the only place that imports ``sim.__main__``.
"""

from sim.__main__ import EXIT_BAD_INPUT, BadInput, user_error_message

__all__ = ["EXIT_BAD_INPUT", "BadInput", "user_error_message"]
