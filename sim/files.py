"""Atomic writers for run outputs: a killed run never leaves a half-written table behind.

Every writer writes into a temporary file in the destination's directory (so that the final
rename stays on one file system), flushes it to disk, then moves it into place with
:func:`os.replace`, which is atomic on POSIX and Windows. Readers therefore see either the old
file, the complete new file, or no file; never a truncated one. A failure removes the temporary
file and re-raises.

A run's files are also written *as a set* (:func:`result_set`): into a temporary sibling folder,
with a ``manifest.json`` listing the sha256 of every file, then renamed onto the run folder in
one step. A run folder therefore holds either nothing, or a complete, self-consistent result
set; a folder that already holds one is replaced only when asked (``overwrite``), and then
atomically too.

Example:
    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(pd.DataFrame({"a": [1, 2]}), d / "t.csv").name
    't.csv'
    >>> write_json({"p": 0.5}, d / "s.json").read_text()
    '{\\n  "p": 0.5\\n}\\n'
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "MANIFEST_FILE",
    "ResultFolderError",
    "ResultFolderTaken",
    "atomic_path",
    "check_result_folder",
    "jsonable",
    "result_set",
    "save_figure",
    "verify_manifest",
    "write_csv",
    "write_json",
    "write_parquet",
]

#: The file that marks a complete result set (written last, into the set's temporary folder).
MANIFEST_FILE = "manifest.json"
#: Files that mark a result set written before manifests existed.
_LEGACY_MARKERS = ("summary.json",)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path`` atomically.

    The parent directory is created if needed. If the body raises, the temporary file is removed
    and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _fsync(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
    # mkstemp creates files readable by the owner only; give the result ordinary permissions.
    os.chmod(path, 0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_text(path: str | os.PathLike, write: Callable[[IO[str]], None]) -> Path:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        write(fh)
    return Path(path)


def write_parquet(df, path: str | os.PathLike) -> Path:
    """Write a DataFrame to Parquet (pyarrow, no index) atomically; return the path."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow")
    return Path(path)


def write_csv(df, path: str | os.PathLike) -> Path:
    """Write a DataFrame to CSV (no index) atomically; return the path."""
    return _write_text(path, lambda fh: df.to_csv(fh, index=False))


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write ``obj`` as indented JSON atomically; return the path.

    numpy scalars and arrays, dataclasses, enums and paths are converted; non-finite floats
    (NaN, inf) become ``null`` so the file is strict JSON.
    """
    text = json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n"
    return _write_text(path, lambda fh: fh.write(text))


def save_figure(fig, path: str | os.PathLike, **savefig_kwargs) -> Path:
    """Save a matplotlib figure atomically (format from the suffix of ``path``); return the path."""
    fmt = savefig_kwargs.pop("format", None) or Path(path).suffix.lstrip(".") or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **savefig_kwargs)
    return Path(path)


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` made only of JSON types (see :func:`write_json`)."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if type(obj).__module__ == "numpy":
        return _numpy_jsonable(obj)
    if isinstance(obj, enum.Enum):
        return jsonable(obj.value) if isinstance(obj.value, str | int | float) else obj.name
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(x) for x in obj]
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _numpy_jsonable(obj: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists."""
    import numpy as np

    if isinstance(obj, np.ndarray):
        return [jsonable(x) for x in obj.tolist()]
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


# ---------------------------------------------------------------- result sets
class ResultFolderError(Exception):
    """The run folder cannot take a result set: it already holds one (and ``overwrite`` was not
    given), or it holds other files. A user error (nothing was written)."""


class ResultFolderTaken(ResultFolderError):
    """Another run filled the run folder while this one computed: this run's set is discarded."""


def folder_state(path: str | os.PathLike) -> str:
    """``"missing"``, ``"empty"``, ``"results"`` (a result set: a manifest, or a
    ``summary.json`` from before manifests), ``"other"`` (other files) or ``"not a folder"``."""
    path = Path(path)
    if not path.exists():
        return "missing"
    if not path.is_dir():
        return "not a folder"
    names = {p.name for p in path.iterdir()}
    if not names:
        return "empty"
    if MANIFEST_FILE in names or names.intersection(_LEGACY_MARKERS):
        return "results"
    return "other"


def check_result_folder(path: str | os.PathLike, overwrite: bool = False) -> None:
    """Raise :class:`ResultFolderError` if a result set cannot go into ``path``; a path that is
    a file raises ``NotADirectoryError`` (an environment fault)."""
    state = folder_state(path)
    if state == "not a folder":
        raise NotADirectoryError(20, "exists and is not a folder", str(path))
    if state == "results" and not overwrite:
        raise ResultFolderError(
            f"{path} already holds a complete result set; choose another hydra.run.dir or set "
            "output.overwrite=true to replace it"
        )
    if state == "other":
        raise ResultFolderError(
            f"{path} holds other files (no {MANIFEST_FILE}); a run writes only into an empty "
            "or new folder, or over a result set"
        )


@contextlib.contextmanager
def result_set(
    path: str | os.PathLike, overwrite: bool = False, manifest: dict | None = None
) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; when the body returns, write ``manifest.json``
    (``manifest`` plus the size and sha256 of every file) into it and rename it onto ``path``.

    ``path`` must be missing, empty, or (with ``overwrite``) a result set, which is then renamed
    away, replaced and deleted; otherwise the rename fails and :class:`ResultFolderTaken` is
    raised (call :func:`check_result_folder` first to fail before computing anything). If the
    body raises (or is interrupted) the temporary folder is deleted and ``path`` is left as it
    was.
    """
    path = Path(os.path.abspath(path))
    if folder_state(path) == "not a folder":  # a result set that appears meanwhile is
        check_result_folder(path, overwrite)  # refused at the rename (ResultFolderTaken)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        write_json({**(manifest or {}), "files": file_checksums(tmp)}, tmp / MANIFEST_FILE)
        os.chmod(tmp, 0o777 & ~_umask())
        _fsync_dir(tmp)
        _commit(tmp, path, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, path: Path, overwrite: bool) -> None:
    """Rename ``tmp`` onto ``path``; rename(2) replaces only a missing or empty folder, so a
    result set that appeared meanwhile is never overwritten unless asked."""
    try:
        os.rename(tmp, path)
    except OSError as e:
        if not path.is_dir() or folder_state(path) == "empty":
            raise
        if not overwrite or folder_state(path) != "results":
            raise ResultFolderTaken(
                f"{path} was filled by another run meanwhile; this run's results were "
                "discarded (set output.overwrite=true to replace a result set)"
            ) from e
        _replace(tmp, path)
    _fsync_dir(path.parent)


def _replace(tmp: Path, path: Path) -> None:
    """Rename the old set away, the new one in, then delete the old one."""
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rename(path, old / "set")
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old / "set", path)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_checksums(folder: str | os.PathLike) -> dict[str, dict]:
    """``{relative path: {"bytes": size, "sha256": hex}}`` of every file under ``folder``
    (``manifest.json`` excluded), sorted by path."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != MANIFEST_FILE:
            out[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_manifest(folder: str | os.PathLike) -> list[str]:
    """Problems of a result set: a missing manifest, files missing, extra or changed. Empty
    when the folder is complete and matches its manifest."""
    folder = Path(folder)
    try:
        listed = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [f"{MANIFEST_FILE}: {type(e).__name__}: {e}"]
    found = file_checksums(folder)
    problems = [f"{name}: missing" for name in listed if name not in found]
    problems += [f"{name}: not in the manifest" for name in found if name not in listed]
    problems += [
        f"{name}: checksum differs"
        for name in listed
        if name in found and found[name]["sha256"] != listed[name].get("sha256")
    ]
    return problems
