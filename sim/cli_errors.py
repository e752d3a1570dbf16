"""Bad input on the command line: one line on stderr, ``error: <message>``, and exit status 2.

Every way a command can stop has its own exit status (documented in ``docs/outputs.md``):

======  ===========================================================================
status  meaning
======  ===========================================================================
0       done; the result set is complete
1       a bug (a traceback)
2       bad input, or a run folder that already holds results (nothing written)
3       incomplete: another run filled the run folder meanwhile (this run's results were
        discarded), or ``python -m sim.collect`` found runs without a complete result set
4       environment or I/O fault (a run folder that is a file, read-only, disk full)
130     interrupted (SIGINT, Ctrl-C); 143: terminated (SIGTERM). No partial result kept
======  ===========================================================================

Shared by the single-run command (``python -m sim``) and the experiment apps. A *user error* is
a :class:`~sim.errors.SimInputError` (a value out of range, an unknown scenario, a broken
scenario file), a Hydra or OmegaConf config error (an unknown option or key, a value of the
wrong type, an override that does not parse) or a missing file; anything else is a bug and
keeps its traceback. ``HYDRA_FULL_ERROR=1`` shows tracebacks for user errors too.

A Hydra app uses two pieces:

* :func:`run_hydra_main` around the app (the console entry point): user errors that escape
  become the one line and exit 2;
* :func:`stop_on_bad_input` around the task function's validation: a user error raises
  :class:`BadInput`, which Hydra's job runner lets through without its own multi-line report.
  In a multirun it re-raises instead, so that Hydra names the failing job.

Example:
    >>> from sim.errors import SimInputError
    >>> user_error_message(SimInputError("run.seed", -1, "must be >= 0"))
    'run.seed: got -1; must be >= 0'
    >>> user_error_message(ZeroDivisionError("a bug")) is None
    True
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .errors import SimInputError

#: Exit status of a complete run.
EXIT_OK = 0
#: Exit status of a bug (an unexpected exception, with its traceback).
EXIT_BUG = 1
#: Exit status of a command stopped by bad input (Hydra's own errors included), including a
#: run folder that already holds a result set (without ``output.overwrite=true``).
EXIT_BAD_INPUT = 2
#: Exit status of a run whose result set could not be placed because another run filled its
#: folder meanwhile, and of ``python -m sim.collect`` when some runs have no complete result set.
EXIT_INCOMPLETE = 3
#: Exit status of an environment or I/O fault: the run folder is a file or not writable, the
#: disk is full, ... (``OSError``). Nothing is left in the run folder.
EXIT_ENVIRONMENT = 4
#: Exit status of a run stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it.
EXIT_INTERRUPTED = 130
#: Exit status of a run stopped by SIGTERM: 128 + 15.
EXIT_TERMINATED = 143

#: Set while :func:`run_hydra_main` runs an app in one-line mode (no traceback asked for).
_one_line = False


class CommandStop(SystemExit):
    """Stops a command with one line on stderr and an exit ``status``. A SystemExit, so Hydra's
    job runner lets it through without printing a report; its ``code`` is the line."""

    def __init__(self, line: str, status: int):
        super().__init__(line)
        self.status = status


class BadInput(CommandStop):
    """Stops a command on bad input: ``error: <message>``, exit status 2."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}", EXIT_BAD_INPUT)
        self.message = message


def environment_fault(exc: OSError) -> CommandStop:
    """An :class:`OSError` (not a user's missing file) as ``error: <file>: <reason>``, exit 4."""
    return CommandStop(f"error: {os_error_message(exc)}", EXIT_ENVIRONMENT)


def os_error_message(exc: OSError) -> str:
    """``<file>: <reason>`` of an OSError, on one line."""
    reason = _REASONS.get(exc.errno) or exc.strerror or one_line(str(exc)) or type(exc).__name__
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(map(str, names))}: {reason}" if names else reason


#: Clearer reasons for the usual environment faults than ``strerror``.
_REASONS = {
    17: "exists and is not a folder",  # EEXIST (creating a folder over a file)
    20: "a part of the path is not a folder",  # ENOTDIR
    28: "no space left on the device",  # ENOSPC
    30: "read-only file system",  # EROFS
    13: "permission denied",  # EACCES
}


class Interrupted(KeyboardInterrupt):
    """Raised by the SIGTERM handler of :func:`run_hydra_main` (SIGINT raises
    KeyboardInterrupt itself); ``status`` is 128 + the signal number."""

    status = EXIT_TERMINATED


def interrupt_status(exc: BaseException) -> int:
    """The exit status of an interruption: 130 for SIGINT, 143 for SIGTERM."""
    return getattr(exc, "status", EXIT_INTERRUPTED)


def user_error_message(exc: BaseException) -> str | None:
    """One line describing a user error, or None if ``exc`` is not one (a bug).

    Hydra's and OmegaConf's messages are rewritten to name the config key first, e.g.
    ``policy: got 'sanction'; must be one of ...`` or ``policy.lagg: unknown key; allowed: ...``.
    """
    if isinstance(exc, SimInputError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: {exc.strerror or 'no such file'}"
    return _config_error_message(exc)


def _config_error_message(exc: BaseException) -> str | None:
    from hydra.errors import HydraException, MissingConfigException, OverrideParseException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file and exc.options:
        group, _, option = exc.missing_cfg_file.rpartition("/")
        options = [o for o in exc.options if not o.startswith("base_")]
        return f"{group or 'config'}: got {option!r}; must be one of {', '.join(options)}"
    if isinstance(exc, OverrideParseException):
        return f"{exc.override}: cannot parse the override: {one_line(exc.message)}"
    cause = exc if isinstance(exc, OmegaConfBaseException) else exc.__cause__
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        return _keyed_message(cause)
    if isinstance(exc, HydraException | OmegaConfBaseException):
        parts = [one_line(str(exc).split("Config search path:")[0])]
        if isinstance(cause, OmegaConfBaseException | HydraException):
            parts.append(one_line(str(cause)))
        return "; ".join(p for p in parts if p) or type(exc).__name__
    return None


def _keyed_message(cause: Any) -> str:
    """``<full key>: <first line of OmegaConf's message>``; unknown keys list the allowed ones."""
    msg = one_line((str(getattr(cause, "msg", "") or cause).strip().splitlines() or [""])[0])
    schema = getattr(cause, "object_type", None)
    if msg.startswith("Key ") and dataclasses.is_dataclass(schema):
        allowed = ", ".join(f.name for f in dataclasses.fields(schema))
        return f"{cause.full_key}: unknown key; allowed: {allowed}"
    kind = re.search(r"could not be converted to (Integer|Float|Boolean)", msg)
    if kind:
        return _conversion_message(cause.full_key, msg, kind.group(1))
    return f"{cause.full_key}: {msg or type(cause).__name__}"


def _conversion_message(key: str, msg: str, kind: str) -> str:
    """``<key>: got <value>; must be an integer in [low, high]``: OmegaConf's type error with
    what is allowed (the range of a ``model.*`` key comes from ``sim.Parameters``)."""
    value = re.search(r"Value '(.*)' of type", msg)
    got = repr(value.group(1)) if value else "a value of the wrong type"
    wanted = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}[kind]
    low_high = _declared_range(key) if kind != "Boolean" else None
    if low_high:
        wanted += f" in [{low_high[0]}, {low_high[1]}]"
    return f"{key}: got {got}; must be {wanted}"


def _declared_range(key: str) -> tuple | None:
    """The range declared for a config key: ``model.*`` in ``sim.Parameters``, ``policy.*`` in
    ``sim.policy.POLICY_RANGES``, ``run.*`` in ``sim.config.RUN_RANGES``."""
    group, _, name = key.partition(".")
    if group == "model":
        from .params import Parameters, iter_fields

        ranges = {n: f.metadata.get("range") for n, f, _ in iter_fields(Parameters())}
        return ranges.get(name)
    if group == "policy":
        from .policy import POLICY_RANGES

        r = POLICY_RANGES.get(name)
        return (r.low, r.high) if r else None
    if group == "run":
        from .config import RUN_RANGES

        return RUN_RANGES.get(key)
    return None


def one_line(text: str) -> str:
    """A possibly multi-line message on one line."""
    return " ".join(text.split())


@contextlib.contextmanager
def stop_on_bad_input(multirun: bool = False) -> Iterator[None]:
    """Inside a Hydra task: turn a user error into :class:`BadInput` (one line, exit 2).

    Only while :func:`run_hydra_main` runs the app without ``HYDRA_FULL_ERROR`` and outside a
    multirun; otherwise the error propagates unchanged (a traceback, or Hydra's report naming
    the failed job)."""
    try:
        yield
    except Exception as exc:
        message = user_error_message(exc)
        if message is None or multirun or not _one_line:
            raise
        raise BadInput(message) from None


def scenario_path_overrides(args: list[str]) -> list[str]:
    """Command-line overrides with ``scenario=<path of a YAML file>`` read as ``scenario.file``.

    ``scenario`` is a Hydra config group, so ``scenario=my_region.yaml`` would otherwise be
    taken as the name of a group option. A value that names a file (it contains a path
    separator or ends in ``.yaml``/``.yml``) is a scenario file; a sweep (``a.yaml,b.yaml``)
    is left to Hydra.

    >>> scenario_path_overrides(["scenario=runs/my_region.yaml", "policy=envoy"])
    ['scenario.file=runs/my_region.yaml', 'policy=envoy']
    >>> scenario_path_overrides(["scenario=kenya_2008"])
    ['scenario=kenya_2008']
    """
    rewritten = []
    for arg in args:
        key, sep, value = arg.partition("=")
        looks_like_file = os.sep in value or value.endswith((".yaml", ".yml"))
        if key == "scenario" and sep and looks_like_file and "," not in value:
            arg = f"scenario.file={value}"
        rewritten.append(arg)
    return rewritten


def run_hydra_main(
    app: Callable[[], Any],
    on_other_error: Callable[[BaseException], int | None] | None = None,
    interrupted: str = "interrupted: no result written",
) -> None:
    """Run a ``hydra.main`` app; a user error ends it with ``error: <one line>`` and exit 2.

    ``on_other_error(exc)`` may handle other exceptions: it prints its own message and returns
    an exit status, or returns None to let the exception (a bug) propagate with its traceback.
    ``interrupted`` is the one line printed on Ctrl-C or SIGTERM (what was kept).
    With ``HYDRA_FULL_ERROR=1`` the app runs as it is and every error keeps its traceback.
    """
    sys.argv[1:] = scenario_path_overrides(sys.argv[1:])
    if _full_error_requested():
        app()
        return
    with _hydra_raises(), _sigterm_interrupts():
        try:
            app()
        except CommandStop as exc:
            print(exc.code, file=sys.stderr)
            sys.exit(exc.status)
        except KeyboardInterrupt as exc:  # before or after a task (a task reports its own)
            print(interrupted, file=sys.stderr)
            sys.exit(interrupt_status(exc))
        except Exception as exc:
            sys.exit(_other_error_status(exc, on_other_error))


def _other_error_status(
    exc: Exception, on_other_error: Callable[[BaseException], int | None] | None
) -> int:
    """Print the one line of an error that escaped the app and return its exit status; re-raise
    a bug."""
    message = user_error_message(exc)
    if message is not None:
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    code = on_other_error(exc) if on_other_error is not None else None
    if code is not None:
        return code
    if isinstance(exc, OSError):  # e.g. Hydra creating a run folder over a file
        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    raise exc


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises :class:`Interrupted` (so a run cleans up as on Ctrl-C); restored after.
    Only in the main thread (signal handlers cannot be set elsewhere)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _full_error_requested() -> bool:
    value = os.environ.get("HYDRA_FULL_ERROR")
    return value is not None and value.strip() not in ("", "0")


@contextlib.contextmanager
def _hydra_raises() -> Iterator[None]:
    """Make Hydra raise its errors instead of printing its multi-line report (restored after)."""
    global _one_line
    previous = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"
    _one_line = True
    try:
        yield
    finally:
        _one_line = False
        if previous is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = previous
