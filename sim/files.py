"""Atomic writers for run outputs: a killed run never leaves a half-written table behind.

Every writer writes into a temporary file in the destination's directory (so that the final
rename stays on one file system), flushes it to disk, then moves it into place with
:func:`os.replace`, which is atomic on POSIX and Windows. Readers therefore see either the old
file, the complete new file, or no file; never a truncated one. A failure removes the temporary
file and re-raises.

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
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_path", "jsonable", "save_figure", "write_csv", "write_json", "write_parquet"]


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
