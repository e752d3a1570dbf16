"""Hostile and sloppy input: scenario files built to hang, crash or flood the loader, and numbers
of the wrong kind. Each bad file must give one SimInputError from ``load_scenario`` (quickly)
and, from the command line, exit status 2 and one line.

The command-line runs are started at once by a module fixture (importing the CLI takes seconds)
and each test waits for its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_driver import DRIVER  # the forked-children CLI driver, shared

from sim.errors import MAX_SHOWN, Range, SimInputError, check_range, shown
from sim.policy import Policy
from sim.scenarios_io import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    SCENARIO_DIR,
    load_scenario,
    read_scenario_file,
)

ROOT = Path(__file__).resolve().parent.parent
CLI_TIMEOUT = 120
PROVENANCE = """provenance:
  stands_for: a test
  sources: [{file: none.md, paragraphs: [1]}]
  invented: everything
  disclaimer: A stylised teaching scenario, not a forecast.
"""
PARTY = "  - {id: p%07d, kind: community, grievance: 0.4, capability: 0.5}\n"
#: The classic "billion laughs": ten levels of nine aliases (9**10 strings once expanded).
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefghi", "bcdefghij", strict=True)
)
DEEP = 100_000


def parties_file(size: int) -> str:
    """A valid scenario of about ``size`` bytes: listed parties and nothing else."""
    head = "name: big\n" + PROVENANCE + "parties:\n"
    return head + "".join(PARTY % i for i in range((size - len(head)) // len(PARTY % 0)))


#: name -> (how to make it in a folder, a phrase its one-line error must contain)
HOSTILE = {
    "recursive_alias": (lambda p: p.write_text("a: &x {b: *x}\n"), "alias"),
    "billion_laughs": (lambda p: p.write_text(LAUGHS), "MAX_NODES"),
    "deep_lists": (lambda p: p.write_text("a: " + "[" * DEEP + "]" * DEEP + "\n"), "MAX_DEPTH"),
    "deep_mappings": (
        lambda p: p.write_text("a: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n"),
        "MAX_DEPTH",
    ),
    "huge_50mb": (lambda p: p.write_text(parties_file(50_000_000)), "MAX_FILE_BYTES"),
    "large_5mb": (lambda p: p.write_text(parties_file(5_000_000)), "MAX_FILE_BYTES"),
    "directory": (lambda p: p.mkdir(), "is a directory"),
    "binary": (lambda p: p.write_bytes(bytes(range(256)) * 16), "binary file"),
    "png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)), "UTF-8"),
    "latin1": (lambda p: p.write_bytes("name: café\n".encode("latin-1")), "UTF-8"),
    "empty": (lambda p: p.write_text(""), "empty file"),
    "tab_indent": (lambda p: p.write_text("name: x\n\tparties: []\n"), "line 2"),
}

#: What the command line says where it differs: its own check of scenario.file (sim.config, not
#: the loader) finds no file at a directory's path.
CLI_PHRASE = {"directory": "directory.yaml"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, (make, _) in HOSTILE.items():
        paths[name] = folder / f"{name}.yaml"
        make(paths[name])
    return paths


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env.pop("HYDRA_FULL_ERROR", None)
    return env


@pytest.mark.timeout(10)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_one_input_error(hostile, name):
    start = time.perf_counter()
    with pytest.raises(SimInputError) as raised:
        load_scenario(hostile[name])
    elapsed = time.perf_counter() - start
    message = str(raised.value)
    assert "\n" not in message and len(message) < 400, message
    assert str(hostile[name]) in message, message
    assert HOSTILE[name][1] in message, message
    assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"


#: The files that hung or crashed the loader before it had limits also run as real commands.
REAL_COMMANDS = ("recursive_alias", "billion_laughs", "deep_lists", "huge_50mb")


def _popen(args: list[str], stdin: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.PIPE if stdin else None,
    )


@pytest.fixture(scope="module")
def cli(hostile, tmp_path_factory) -> dict:
    """``python -m sim scenario.file=<path>`` for every hostile file: all in one forked batch,
    and REAL_COMMANDS as real commands, every process started at once."""
    runs = tmp_path_factory.mktemp("runs")
    args = {
        name: [f"scenario.file={path}", f"hydra.run.dir={runs / name}"]
        for name, path in hostile.items()
    }
    real = {name: _popen([sys.executable, "-m", "sim", *args[name]]) for name in REAL_COMMANDS}
    payload = [{"args": args[name], "stderr": str(runs / f"{name}.stderr")} for name in hostile]
    batch = _popen([sys.executable, "-c", DRIVER], stdin=True)
    try:
        out, err = batch.communicate(json.dumps(payload), timeout=CLI_TIMEOUT)
        assert batch.returncode == 0, err
        codes = json.loads(out.strip().splitlines()[-1])
        results = {
            name: (code, Path(case["stderr"]).read_text())
            for name, code, case in zip(hostile, codes, payload, strict=True)
        }
        for name, proc in real.items():
            _, err = proc.communicate(timeout=CLI_TIMEOUT)
            results[f"real:{name}"] = (proc.returncode, err)
        yield results
    finally:
        for proc in (batch, *real.values()):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.mark.timeout(CLI_TIMEOUT + 10)
@pytest.mark.parametrize("name", sorted(HOSTILE) + [f"real:{name}" for name in REAL_COMMANDS])
def test_hostile_file_from_the_command_line(cli, name):
    code, err = cli[name]
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, f"{name}: exit {code}: {err[-2000:]}"
    assert len(lines) == 1, f"{name}: {err[-2000:]}"
    case = name.removeprefix("real:")
    phrase = CLI_PHRASE.get(case, HOSTILE[case][1])
    assert lines[0].startswith("error: ") and phrase in lines[0], lines[0]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "name,seconds", [("recursive_alias", 0.5), ("billion_laughs", 0.5), ("huge_50mb", 0.1)]
)
def test_the_worst_files_are_refused_at_once(hostile, name, seconds):
    start = time.perf_counter()
    with pytest.raises(SimInputError):
        load_scenario(hostile[name])
    assert time.perf_counter() - start < seconds


@pytest.mark.timeout(10)
def test_size_is_checked_before_reading(tmp_path):
    """A sparse file reported larger than the limit is refused from its size alone."""
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as f:
        f.truncate(10 * MAX_FILE_BYTES)
    with pytest.raises(SimInputError, match=f"got {10 * MAX_FILE_BYTES}; must be at most"):
        load_scenario(path)


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.timeout(10)
def test_limits_are_at_their_stated_values(tmp_path):
    """Nesting exactly MAX_DEPTH deep passes the reader's limits; one more level does not."""
    ok = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    with pytest.raises(SimInputError, match="top level"):  # past the limits: an unknown key
        read_scenario_file(_write(tmp_path, ok))
    deeper = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    with pytest.raises(SimInputError, match=f"got {MAX_DEPTH + 1}; must be at most {MAX_DEPTH}"):
        read_scenario_file(_write(tmp_path, deeper))
    many = "a: [" + ",".join(["1"] * MAX_NODES) + "]\n"
    with pytest.raises(SimInputError, match="MAX_NODES"):
        read_scenario_file(_write(tmp_path, many))


@pytest.mark.timeout(10)
def test_anchors_and_merge_keys_still_work(tmp_path):
    text = (
        "name: anchors\n" + PROVENANCE + "parties:\n"
        "  - &base {id: a, kind: community, grievance: 0.4}\n"
        "  - {<<: *base, id: b}\n"
        "  - {<<: *base, id: c, grievance: 0.7}\n"
    )
    s = load_scenario(_write(tmp_path, text))
    assert s.party_names == ("a", "b", "c")
    np.testing.assert_allclose(s.grievance, [0.4, 0.4, 0.7])


@pytest.mark.timeout(10)
def test_duplicate_keys_behind_an_alias_are_found_once(tmp_path):
    text = "x: &m {k: 1, k: 2}\ny: [*m, *m, *m]\n"
    with pytest.raises(SimInputError, match="duplicate key"):
        read_scenario_file(_write(tmp_path, text))


@pytest.mark.timeout(10)
def test_undefined_alias_and_nul_are_one_line(tmp_path):
    with pytest.raises(SimInputError, match="no anchor of that name"):
        read_scenario_file(_write(tmp_path, "a: *nope\n"))
    with pytest.raises(SimInputError, match=r"got '#x0000'; .*binary file"):
        read_scenario_file(_write(tmp_path, "name: x\x00\n"))


@pytest.mark.timeout(30)
def test_a_large_legitimate_file_loads(tmp_path):
    """Half the size limit (~14,000 listed parties) loads in seconds."""
    path = _write(tmp_path, parties_file(MAX_FILE_BYTES // 2))
    start = time.perf_counter()
    s = load_scenario(path)
    assert s.n_parties > 10_000
    assert time.perf_counter() - start < 20


def test_shipped_scenarios_are_far_inside_the_limits():
    for path in SCENARIO_DIR.glob("*.yaml"):
        assert path.stat().st_size < MAX_FILE_BYTES / 100, path


# ---------------------------------------------------------------- numbers of the wrong kind
@pytest.mark.parametrize("value", [np.int64(3), np.int32(3), np.uint8(3), 3, 3.0, np.float64(3)])
def test_numpy_and_integral_numbers_are_integers(value):
    got = Range(0, 10, integer=True).check("n", value)
    assert got == 3 and type(got) is int
    check_range("n", value, 0, 10, integer=True)


@pytest.mark.parametrize("value", [2.5, np.float64(2.5), True, np.bool_(True), "2", None, [2]])
def test_non_integers_are_refused_with_the_range(value):
    with pytest.raises(SimInputError, match=r"must be an integer in \[0, 10\]"):
        Range(0, 10, integer=True).check("n", value)


def test_policy_stores_plain_numbers():
    p = Policy("envoy", lag_weeks=2.0, intensity=np.float32(0.5), duration_weeks=np.int64(8))
    assert p.label == "envoy@2[intensity=0.5,duration=8]"
    assert type(p.lag_weeks) is int and type(p.duration_weeks) is int
    assert type(p.intensity) is float
    assert p == Policy("envoy", lag_weeks=2, intensity=0.5, duration_weeks=8)
    assert Policy("envoy", lag_weeks=np.int64(4)).label == "envoy@4"
    assert type(Policy("envoy", unity=np.float64(0.25)).unity) is float


@pytest.mark.parametrize("field", ["lag_weeks", "duration_weeks"])
def test_policy_refuses_fractional_weeks(field):
    with pytest.raises(SimInputError, match=rf"policy.{field}: got 2.5; must be an integer in"):
        Policy("envoy", **{field: 2.5})


def test_long_values_are_cut_in_messages():
    value = "x" * 100_000
    with pytest.raises(SimInputError) as raised:
        Policy("envoy", lag_weeks=value)
    message = str(raised.value)
    assert len(message) < 200, len(message)
    assert "… (100,002 chars)" in message and "must be an integer in [0, 10000]" in message
    assert raised.value.value is value  # the exception keeps the whole value
    assert len(shown(list(range(100_000)))) <= MAX_SHOWN + 20
    error = SimInputError("a\nb" + "f" * 1000, "line1\nline2", "allowed\nhere")
    assert "\n" not in str(error) and len(str(error)) < 400


def test_a_value_nested_too_deep_to_print_is_still_one_line():
    value: list = []
    for _ in range(100_000):
        value = [value]
    message = str(SimInputError("x", value, "must be a number"))
    assert "nested too deep" in message and "\n" not in message


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_reading(tmp_path):
    """Opening a pipe with no writer would block for ever; it is refused from its stat."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    with pytest.raises(SimInputError, match="is not a regular file"):
        load_scenario(path)


@pytest.mark.parametrize("bad", [-1, "abc", 1.5, True])
@pytest.mark.parametrize("name", ["seed", "rng"])
def test_mesa_model_seed_is_checked_naming_the_argument(name, bad):
    # EscalationModel(rng=-1) used to fail inside numpy or random with their own wording.
    from sim.model import EscalationModel

    with pytest.raises(SimInputError) as err:
        EscalationModel(**{name: bad})
    assert str(err.value).startswith(f"{name}: got ")


def test_mesa_model_takes_a_numpy_integer_seed():
    from sim.model import EscalationModel

    assert EscalationModel(seed=np.int64(3)).seed == EscalationModel(seed=3).seed == 3


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("model.tension_decay", "model.tension_decay: got 'abc'; must be a number in [0, 1]"),
        ("model.warning_persistence_weeks", "must be an integer in [1, 52]"),
        ("run.replicates", "run.replicates: got 'abc'; must be an integer in [1, 100000000]"),
        ("policy.lag_weeks", "policy.lag_weeks: got 'abc'; must be an integer in [0, 10000]"),
    ],
)
def test_config_type_errors_say_what_is_allowed(key, expected):
    # OmegaConf's "could not be converted to Integer" becomes got/must, with the range of a
    # model key from sim.Parameters.
    from hydra import compose, initialize_config_dir

    from sim.cli_errors import user_error_message
    from sim.config import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        with pytest.raises(Exception) as err:
            compose("config", overrides=[f"{key}=abc"])
    assert expected in user_error_message(err.value)
