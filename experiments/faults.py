"""Exit codes, environment faults and the lock on an experiment's output directory.

Exit codes of the experiment commands (``docs/experiments.md``):

* 0 complete; 2 bad input (a bad config value, an ``out_dir`` that is a file, an ``out_dir``
  locked by another sweep); 3 incomplete (cells missing, failed or corrupt);
  4 environment / IO fault (disk full, read-only or unwritable directory, I/O error);
  130 interrupted (SIGINT / Ctrl-C).

The lock (:func:`acquire`) is a file ``<out_dir>/.lock`` created atomically with ``O_EXCL``; it
holds the pid, host and start time of its holder and the *sweep fingerprint* (a hash of the
manifest, :func:`sweep_fingerprint`). A single run takes it for its whole run. A multirun takes
it once, in the main process (the ``on_multirun_start`` callback), and releases it at the end
(or at exit); its jobs - in joblib workers, submitit or SLURM jobs, possibly on other hosts - do
not take it: each checks that the lock, if any, carries its own sweep fingerprint
(:func:`check_joined`), so that the jobs of one sweep share the directory and a job of another
sweep is refused. A lock whose holder is a dead process on this host is stale: it is broken with
a message. A live one ends the command with one line naming the holder (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import time
from pathlib import Path

from sim import cli_errors

from .config import Experiment, fingerprint

log = logging.getLogger("experiments")

# the exit codes of every command of the project (sim.cli_errors, docs/outputs.md)
EXIT_BAD_INPUT = cli_errors.EXIT_BAD_INPUT
EXIT_INCOMPLETE = cli_errors.EXIT_INCOMPLETE
EXIT_ENVIRONMENT = cli_errors.EXIT_ENVIRONMENT
EXIT_INTERRUPTED = cli_errors.EXIT_INTERRUPTED

LOCK_FILE = ".lock"
#: errno values of an environment fault: retrying the next cell would fail the same way.
ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)


class EnvironmentFault(RuntimeError):
    """The disk or the file system failed (full, read-only, I/O error): exit 4."""


class OutDirLocked(RuntimeError):
    """Another sweep holds the output directory: exit 2."""


def is_environment_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS


def describe_os_error(exc: OSError) -> str:
    """One line: the path and the system's message."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def sweep_fingerprint(experiment: Experiment) -> str:
    """What identifies a sweep's results in its output directory: a hash of its manifest."""
    return fingerprint(experiment.to_manifest())


# ---------------------------------------------------------------- the lock
def lock_path(out_dir: Path) -> Path:
    return Path(out_dir) / LOCK_FILE


def read_lock(out_dir: Path) -> dict | None:
    """The lock's contents; None if there is no lock; ``{}`` if it is unreadable (being written)."""
    try:
        return json.loads(lock_path(out_dir).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def holder(info: dict) -> str:
    return (
        f"pid {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('time', '?')}"
        + (f" ({info['command']})" if info.get("command") else "")
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(info: dict) -> bool:
    """A lock held by a process of this host that no longer runs."""
    pid = info.get("pid")
    return info.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)


def acquire(out_dir: Path, sweep: str, command: str = "") -> Path:
    """Take the lock of ``out_dir`` for this process (see the module doc); return its path.

    Raises :class:`OutDirLocked` if a live process holds it."""
    path = lock_path(out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sweep": sweep,
        "command": command,
    }
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            old = read_lock(out_dir)
            if old is None:  # released meanwhile
                continue
            if old and _stale(old):
                log.warning("breaking stale lock %s of a dead process: %s", path, holder(old))
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            raise OutDirLocked(
                f"experiment.out_dir {out_dir} is in use by another sweep ({holder(old)}); "
                f"wait for it, choose another experiment.out_dir, or remove {path} if that "
                "process is gone"
            ) from None
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(info, fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
    raise OutDirLocked(f"experiment.out_dir {out_dir}: could not take the lock {path}")


def release(out_dir: Path) -> None:
    """Remove the lock if this process holds it (never another's)."""
    info = read_lock(out_dir)
    if info and info.get("pid") == os.getpid() and info.get("host") == socket.gethostname():
        with contextlib.suppress(OSError):
            lock_path(out_dir).unlink()


@contextlib.contextmanager
def locked(out_dir: Path, sweep: str, command: str = ""):
    """Hold the lock of ``out_dir`` for the body (released whatever happens)."""
    acquire(out_dir, sweep, command)
    try:
        yield
    finally:
        release(out_dir)


def check_joined(out_dir: Path, sweep: str) -> None:
    """A multirun job: refuse to write into ``out_dir`` if another sweep holds its lock.

    A lock with the job's own sweep fingerprint is its sweep's (taken by the multirun's main
    process); no lock at all (e.g. an output directory of a sweep over ``scenario``, which the
    main process did not know of) lets the job go on."""
    info = read_lock(out_dir)
    if info and info.get("sweep") != sweep and not _stale(info):
        raise OutDirLocked(
            f"experiment.out_dir {out_dir} is in use by another sweep ({holder(info)}); "
            "this job's config differs from it"
        )
