"""Every speed and memory figure of docs/performance.md, side by side in one run (``make bench``).

Prints each section as it goes, then one table, and writes ``outputs/benchmarks/bench.csv``
(columns ``benchmark, threads, value, unit, target, met``) and ``outputs/benchmarks/bench.md``:

* ``reference``: numba step vs the plain-Python reference, party-steps/s at 10^2, 10^3, 10^4
  parties (target >= 100x);
* ``spmv``: one step (``kernels_parallel.advance``) vs a bare CSR sparse matrix-vector product
  over the same adjacency at 10^6 parties and 4x10^6 relations, at 1 and 2 threads (target <= 3x
  each);
* ``ensemble``: replicates/s at 1 and 2 threads on the default scenario and on a 1,000-party one,
  and the scaling ratio (target >= 1.8x);
* ``mesa``: ``EscalationModel.step`` vs the bare kernel step, without collection (target <= 5x)
  and with it vs Mesa's own DataCollector on the same reporters (target <= 1x);
* ``memory``: 10^6 parties, 4x10^6 relations, 104 weeks: peak memory (target < 1 GB), bytes per
  party and per relation, and the scenario generator's time (a fresh process);
* ``startup``: cold (empty numba cache) and cached start-up of a first ensemble and model step;
* ``scaling``: how the cost grows with parties, relations, replicates and horizon (three sizes
  each, the fitted exponent of cost ~ size^k);
* ``experiment``: wall time of the default warning-to-action experiment.

Timings: one thread -> CPU time of the calling thread (``time.thread_time``), the figure to read
on a shared machine; more threads -> wall clock. Medians of repeated runs, the two sides of a
ratio interleaved. A script, not a test: it asserts nothing about time.

Usage::

    python benchmarks/bench.py                        # everything, a few minutes on 2 cores
    python benchmarks/bench.py --only spmv,mesa       # some sections
    python benchmarks/bench.py --big 4000000 --reps 15 --replicates 4000   # a bigger machine
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from sim import Parameters, Policy, generated_scenario, kernels, tally
from sim import kernels_parallel as par
from sim import rng as counter_rng
from sim.params import kernel_params
from sim.policy import compile_policy
from sim.state import build_net, initial_state

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("reference", "spmv", "ensemble", "mesa", "memory", "startup", "scaling", "experiment")
SEED, REPLICATE = 1, 0
ROWS: list[dict] = []


# ---------------------------------------------------------------------------------------- rows
def row(benchmark: str, threads: int, value: float, unit: str, target: str = "") -> None:
    """Record one figure; ``target`` like ``>= 100`` or ``<= 3`` decides ``met``."""
    met = ""
    if target:
        op, bound = target.split()
        met = str(value >= float(bound) if op == ">=" else value <= float(bound))
    ROWS.append(dict(benchmark=benchmark, threads=threads, value=value, unit=unit, target=target,
                     met=met))  # fmt: skip
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    flag = f"  (target {target}: {'met' if met == 'True' else 'MISSED'})" if target else ""
    print(f"    {benchmark} [{threads} thr]: {shown} {unit}{flag}", flush=True)


def write_outputs(out_dir: Path) -> None:
    """bench.csv and bench.md, each written to a temporary file and renamed."""
    import csv

    out_dir.mkdir(parents=True, exist_ok=True)
    fields = ["benchmark", "threads", "value", "unit", "target", "met"]
    tmp = out_dir / ".bench.csv.tmp"
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows({**r, "value": f"{r['value']:.6g}"} for r in ROWS)
    tmp.replace(out_dir / "bench.csv")
    lines = ["| " + " | ".join(fields) + " |", "|" + "---|" * len(fields)]
    lines += [
        f"| {r['benchmark']} | {r['threads']} | {r['value']:.4g} | {r['unit']} | {r['target']} "
        f"| {r['met']} |"
        for r in ROWS
    ]
    tmp = out_dir / ".bench.md.tmp"
    tmp.write_text(machine_line() + "\n\n" + "\n".join(lines) + "\n")
    tmp.replace(out_dir / "bench.md")


def machine_line() -> str:
    import platform

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical cores "
        f"(load average {load}), "
        f"Python {platform.python_version()}, numba {numba.__version__}, "
        f"NUMBA_NUM_THREADS {numba.config.NUMBA_NUM_THREADS}"
    )


# ---------------------------------------------------------------------------------------- timing
def timed(fn, reps: int, threads: int = 1, clock=None) -> float:
    """Median seconds of ``reps`` calls: thread CPU time at one thread, else wall clock (or
    ``clock``)."""
    clock = clock or (time.thread_time if threads == 1 else time.perf_counter)
    times = []
    for _ in range(reps):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def paired(fn_a, fn_b, reps: int, threads: int, clock=None) -> tuple[float, float]:
    """Medians of ``fn_a`` and ``fn_b`` timed alternately (same noise on both sides)."""
    a, b = [], []
    for _ in range(reps):
        a.append(timed(fn_a, 1, threads, clock))
        b.append(timed(fn_b, 1, threads, clock))
    return statistics.median(a), statistics.median(b)


class Run:
    """One replicate's state, stepped from week 0 with ``kernels_parallel.advance`` or
    ``kernels.step``."""

    def __init__(self, scenario, policy=None, params=None):
        params = params or Parameters()
        self.net = build_net(scenario)
        self.params = kernel_params(params)
        self.actions = compile_policy(policy or Policy(), scenario, params)
        self.state = initial_state(scenario)
        self.rkey = np.uint64(counter_rng.run_key(SEED, REPLICATE))
        self.t = 0

    def advance(self):
        par.advance(self.t, self.rkey, self.net, self.params, self.actions, self.state)
        self.t += 1

    def step(self):
        kernels.step(self.t, self.rkey, self.net, self.params[0], self.actions[0], self.state)
        self.t += 1


# ---------------------------------------------------------------------------------------- sections
def bench_reference(args) -> None:
    numba.set_num_threads(1)
    for n, weeks in ((100, 40), (1000, 10), (10_000, args.ref_weeks)):
        ref_s, numba_s = reference_and_numba(generated_scenario(n, "sbm", seed=1), weeks)
        row(f"reference: numba step, {n:,} parties", 1, n / numba_s, "party-steps/s")
        row(f"reference: Python reference step, {n:,} parties", 1, n / ref_s, "party-steps/s")
        target = ">= 100" if n == 10_000 else ""
        row(f"reference: numba / reference, {n:,} parties", 1, ref_s / numba_s, "x", target)
    numba.set_num_threads(args.threads)


def reference_and_numba(scenario, weeks: int) -> tuple[float, float]:
    """Seconds per week of the reference and of the numba step over weeks 0 .. weeks - 1 (the
    numba side: the median of 7 runs of the same weeks)."""
    from sim.reference import ReferenceModel

    Run(scenario).step()  # compile or load
    ref = ReferenceModel(scenario, Policy(), params=Parameters(), seed=SEED, replicate=REPLICATE)
    ref_s = sum(timed(ref.step, 1) for _ in range(weeks)) / weeks
    per_week = []
    for _ in range(7):
        run = Run(scenario)
        per_week.append(sum(timed(run.step, 1) for _ in range(weeks)) / weeks)
    return ref_s, statistics.median(per_week)


def spmv_rows(ptr, nbr, w, x, y):
    """y = A x for the CSR matrix (ptr, nbr, w), one pass over the rows (``prange`` is ``range``
    unless compiled with ``parallel=True``)."""
    for i in prange(ptr.shape[0] - 1):
        acc = 0.0
        for k in range(ptr[i], ptr[i + 1]):
            acc += w[k] * x[nbr[k]]
        y[i] = acc


# not cached: two compilations of one function would share a cache entry
csr_spmv = njit(spmv_rows)  # in the calling thread
csr_spmv_parallel = njit(parallel=True)(spmv_rows)  # rows over numba's threads


def big_network(args):
    start = time.perf_counter()
    scenario = generated_scenario(args.big, "sbm", mean_degree=args.big_degree, seed=1)
    print(
        f"    generated {scenario.n_parties:,} parties, {scenario.n_relations:,} relations in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return scenario


def bench_spmv(args, scenario) -> None:
    run = Run(scenario)
    ptr, nbr = run.net.csr_ptr, run.net.csr_nbr
    gen = np.random.default_rng(0)
    w, x, y = gen.random(nbr.shape[0]), gen.random(ptr.shape[0] - 1), np.zeros(ptr.shape[0] - 1)
    size = f"{scenario.n_parties:,} parties"
    for threads in sorted({1, args.threads}):
        numba.set_num_threads(threads)
        spmv = csr_spmv if threads == 1 else csr_spmv_parallel
        run.advance()  # compile or load for this thread count's path
        spmv(ptr, nbr, w, x, y)
        step_s, spmv_s = paired(run.advance, lambda: spmv(ptr, nbr, w, x, y), args.reps, threads)  # noqa: B023
        row(f"spmv: step, {size}", threads, step_s * 1e3, "ms")
        row(f"spmv: CSR SpMV, {nbr.shape[0]:,} entries", threads, spmv_s * 1e3, "ms")
        row("spmv: step / SpMV", threads, step_s / spmv_s, "x", "<= 3")
        if threads > 1:  # CPU seconds of all threads: the work, whatever else runs
            step_c, spmv_c = paired(run.advance, lambda: spmv(ptr, nbr, w, x, y), args.reps,  # noqa: B023
                                    threads, time.process_time)  # fmt: skip
            row("spmv: step / SpMV in CPU seconds of all threads", threads, step_c / spmv_c, "x")
    numba.set_num_threads(args.threads)
    breakdown(args, run)


def breakdown(args, run) -> None:
    """The step's passes timed one by one (thread CPU at 1 thread, wall at more)."""
    net, p, a, party, tension = run.net, run.params, run.actions, run.state.party, run.state.tension
    skey = np.uint64(counter_rng.step_key(run.rkey, run.t))
    record = run.state.run[0]
    n = party.stage.shape[0]
    parts = {
        "relations (serial scatter)": (1, lambda: kernels.update_relations(
            skey, net, p[0], a[0], False, party, tension, record)),
        "parties (serial)": (1, lambda: kernels.update_parties(
            run.t, skey, net, p[0], a[0], False, 1.0, 0.0, party, 0, n, *tallies(1), 0)),
        "relations: tension pass (parallel)": (args.threads, lambda: par.relations_parallel(
            skey, net, p, a, False, 0.0, party, tension)),
        "relations: gather pass (parallel)": (args.threads, lambda: par.gather_parallel(
            net, party, tension)),
        "parties (parallel)": (args.threads, lambda: parties_parallel(run, skey, n)),
    }  # fmt: skip
    for name, (threads, fn) in parts.items():
        numba.set_num_threads(threads)
        fn()
        row(f"spmv profile: {name}", threads, timed(fn, args.reps, threads) * 1e3, "ms")
    numba.set_num_threads(args.threads)


def tallies(n_blocks):
    return np.zeros((n_blocks, tally.N_TALLY), np.int64), np.zeros((n_blocks, 2)) - 1.0


def parties_parallel(run, skey, n):
    counts, alarms = par.party_blocks(n)
    par.parties_parallel(run.t, skey, run.net, run.params, run.actions, False, 1.0, 0.0,
                         run.state.party, counts, alarms)  # fmt: skip


def ensemble_seconds(scenario, replicates: int, threads: int) -> tuple[float, float]:
    """(wall, process CPU) seconds of ``replicates`` runs of 104 weeks (half without action,
    half with an envoy)."""
    from sim import simulate

    wall, cpu = time.perf_counter(), time.process_time()
    simulate(scenario, ["none", "envoy"], replicates=replicates // 2, horizon_weeks=104, seed=3,
             threads=threads)  # fmt: skip
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_ensemble(args) -> None:
    """Replicates/s at 1 and ``args.threads`` threads, timed alternately; the scaling ratio
    (wall), and the parallel efficiency (CPU seconds at 1 thread / at k threads: 1.0 means the
    threads add no work, so on k idle cores the wall ratio would reach k x efficiency)."""
    from sim.scenarios_io import default_scenario

    k = args.threads
    for label, scenario in (
        ("default scenario", default_scenario()),
        ("1,000 parties", generated_scenario(1000, "sbm", seed=2)),
    ):
        reps = args.replicates if scenario.n_parties < 100 else args.replicates // 20
        ensemble_seconds(scenario, reps, 1)
        ensemble_seconds(scenario, reps, k)
        runs = {1: [], k: []}
        for _ in range(3):
            for threads in runs:
                runs[threads].append(ensemble_seconds(scenario, reps, threads))
        wall = {t: statistics.median(w for w, _ in r) for t, r in runs.items()}
        cpu = {t: statistics.median(c for _, c in r) for t, r in runs.items()}
        for threads in runs:
            row(f"ensemble: {label}, 104 weeks", threads, reps / wall[threads], "replicates/s")
        if k > 1:
            row(f"ensemble: {label}, scaling (wall)", k, wall[1] / wall[k], "x", ">= 1.8")
            row(f"ensemble: {label}, parallel efficiency (CPU)", k, cpu[1] / cpu[k], "")


def bench_mesa(args) -> None:
    from mesa.datacollection import DataCollector

    from sim.agents import Party
    from sim.model import MODEL_REPORTERS, PARTY_REPORTERS, EscalationModel

    numba.set_num_threads(1)
    bare = EscalationModel(seed=1, collect=False, horizon_weeks=10**5)
    plain = EscalationModel(seed=1, collect=False, horizon_weeks=10**5)
    collecting = EscalationModel(seed=1, collect=True, horizon_weeks=10**5)
    mesa_collector = DataCollector(
        model_reporters={name: name for name in MODEL_REPORTERS},
        agenttype_reporters={Party: {name: name for name in PARTY_REPORTERS}},
    )

    def kernel_step():
        kernels.step(int(bare.run.weeks), bare.rkey, bare.net, bare.kernel_params, bare.action,
                     bare.state)  # fmt: skip

    def kernel_and_mesa_collector():
        kernel_step()
        bare.time += 1  # Mesa's collector keys its rows by model.time: a new row each week
        mesa_collector.collect(bare)

    n = args.mesa_steps

    def many(fn):
        return lambda: [fn() for _ in range(n)]

    kernel_s, model_s = paired(many(kernel_step), many(plain.step), 7, 1)
    row("mesa: bare kernels.step, default scenario", 1, kernel_s / n * 1e6, "us")
    row("mesa: EscalationModel.step, collect=False", 1, model_s / n * 1e6, "us")
    row("mesa: model / kernel step (no collection)", 1, model_s / kernel_s, "x", "<= 5")
    mesa_s, collect_s = paired(many(kernel_and_mesa_collector), many(collecting.step), 7, 1)
    row("mesa: kernels.step + Mesa DataCollector", 1, mesa_s / n * 1e6, "us")
    row("mesa: EscalationModel.step, collect=True", 1, collect_s / n * 1e6, "us")
    row("mesa: model with collection / Mesa collector", 1, collect_s / mesa_s, "x", "<= 1")
    numba.set_num_threads(args.threads)


# ---------------------------------------------------------------------------------------- memory
def memory_child(n: int, degree: float, weeks: int) -> dict:
    """In a fresh process: generate, build and step a network; peak memory and bytes."""
    import resource

    import psutil

    base = psutil.Process().memory_info().rss
    start = time.perf_counter()
    scenario = generated_scenario(n, "sbm", mean_degree=degree, seed=1)
    generate_s = time.perf_counter() - start
    run = Run(scenario)
    del scenario
    start = time.perf_counter()
    for _ in range(weeks):
        run.advance()
    step_s = time.perf_counter() - start
    n_rel = run.state.tension.shape[0]
    party_bytes = sum(a.nbytes for a in run.state.party)
    party_bytes += sum(getattr(run.net, f).nbytes for f in PARTY_NET_FIELDS)
    relation_bytes = run.state.tension.nbytes
    relation_bytes += sum(getattr(run.net, f).nbytes for f in RELATION_NET_FIELDS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return dict(peak=peak, base=base, generate_s=generate_s, step_s=step_s, n=n, m=n_rel,
                party_bytes=party_bytes / n, relation_bytes=relation_bytes / n_rel)  # fmt: skip


PARTY_NET_FIELDS = ("csr_ptr", "affinity_degree", "organisation", "base_grievance",
                    "base_capability", "will_to_settle")  # fmt: skip
RELATION_NET_FIELDS = ("src", "dst", "relation_kind", "csr_nbr", "csr_edge", "csr_kind")


def bench_memory(args) -> None:
    code = (
        f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import bench; "
        f"print(json.dumps(bench.memory_child({args.big}, {args.big_degree}, {args.memory_weeks})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        print(done.stderr[-2000:])
        raise SystemExit("memory benchmark failed")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    size = f"{r['n']:,} parties, {r['m']:,} relations"
    row(f"memory: generated_scenario, {size}", 1, r["generate_s"], "s")
    row(f"memory: {args.memory_weeks} weeks stepped, {size}", args.threads, r["step_s"], "s")
    row(f"memory: peak RSS, {size}", args.threads, r["peak"] / 2**20, "MiB", "<= 1024")
    row("memory: peak RSS above the interpreter's start", args.threads,
        (r["peak"] - r["base"]) / 2**20, "MiB")  # fmt: skip
    row("memory: state and network arrays per party", 1, r["party_bytes"], "bytes")
    row("memory: state and network arrays per relation", 1, r["relation_bytes"], "bytes")


# ---------------------------------------------------------------------------------------- startup
STARTUP_CODE = (
    "import time; t0 = time.perf_counter()\n"
    "from sim import simulate\n"
    "from sim.model import EscalationModel\n"
    "t1 = time.perf_counter()\n"
    "simulate(None, ['none', 'envoy'], replicates=4, horizon_weeks=4)\n"
    "t2 = time.perf_counter()\n"
    "EscalationModel(seed=1).step()\n"
    "t3 = time.perf_counter()\n"
    "print(t1 - t0, t2 - t1, t3 - t2)\n"
)


def bench_startup(args) -> None:
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold (empty cache)", "cached"):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", STARTUP_CODE], env=env, cwd=ROOT,
                                  capture_output=True, text=True, check=True)  # fmt: skip
            total = time.perf_counter() - start
            imports, ensemble, model = map(float, done.stdout.split())
            row(f"startup {label}: process total", 1, total, "s")
            row(f"startup {label}: first ensemble (simulate)", 1, ensemble, "s")
            row(f"startup {label}: first EscalationModel + step", 1, model, "s")


# ---------------------------------------------------------------------------------------- scaling
def exponent(sizes, costs) -> float:
    """k of cost ~ size^k, least squares on logs."""
    return float(np.polyfit(np.log(sizes), np.log(costs), 1)[0])


def step_cost(scenario, reps: int) -> float:
    run = Run(scenario)
    run.step()
    return timed(run.step, reps)


def bench_scaling(args, big) -> None:
    numba.set_num_threads(1)
    sizes = [args.big // 100, args.big // 10, args.big]
    costs = []
    for n in sizes:
        scenario = big
        if n != big.n_parties:
            scenario = generated_scenario(n, "sbm", mean_degree=args.big_degree, seed=1)
        costs.append(step_cost(scenario, args.reps))
        row(f"scaling: step, {n:,} parties", 1, costs[-1] * 1e3, "ms")
    row("scaling: exponent of step time in parties", 1, exponent(sizes, costs), "")
    degrees, costs, passes, relations = (4.0, 8.0, 16.0), [], [], []
    for degree in degrees:
        scenario = generated_scenario(args.big // 10, "sbm", mean_degree=degree, seed=1)
        relations.append(scenario.n_relations)
        costs.append(step_cost(scenario, args.reps))
        passes.append(relations_cost(scenario, args.reps))
        row(f"scaling: step, {relations[-1]:,} relations", 1, costs[-1] * 1e3, "ms")
        row(f"scaling: relations pass, {relations[-1]:,} relations", 1, passes[-1] * 1e3, "ms")
    row("scaling: exponent of step time in relations", 1, exponent(relations, costs), "")
    row("scaling: exponent of the relations pass in relations", 1, exponent(relations, passes),
        "")  # fmt: skip
    for axis, values in (("replicates", (250, 500, 1000)), ("horizon weeks", (52, 104, 208))):
        costs = []
        for v in values:
            reps, weeks = (v, 104) if axis == "replicates" else (500, v)
            costs.append(ensemble_cost(reps, weeks))
            row(f"scaling: ensemble, {reps} replicates x {weeks} weeks", 1, costs[-1], "s")
        row(f"scaling: exponent of ensemble time in {axis}", 1, exponent(values, costs), "")
    numba.set_num_threads(args.threads)


def relations_cost(scenario, reps: int) -> float:
    run = Run(scenario)
    skey = np.uint64(counter_rng.step_key(run.rkey, 0))
    p, a, s = run.params[0], run.actions[0], run.state

    def one():
        kernels.update_relations(skey, run.net, p, a, False, s.party, s.tension, s.run[0])

    one()
    return timed(one, reps)


def ensemble_cost(replicates: int, weeks: int) -> float:
    """Thread CPU seconds of a one-thread ensemble of the default scenario (no action)."""
    from sim import simulate

    def go():
        simulate(None, "none", replicates=replicates, horizon_weeks=weeks, seed=5, threads=1)

    go()
    return timed(go, 3)


def bench_experiment(args) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-w2a-") as out:
        env = {**os.environ}
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "experiments.warning_to_action", f"experiment.out_dir={out}"],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        row("experiment: warning_to_action (default grid)", args.threads,
            time.perf_counter() - start, "s")  # fmt: skip


# ---------------------------------------------------------------------------------------- main
def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument("--big", type=int, default=1_000_000, help="parties of the big network")
    parser.add_argument("--big-degree", type=float, default=8.0, help="its mean degree")
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per figure")
    parser.add_argument("--ref-weeks", type=int, default=3, help="reference weeks at 10^4")
    parser.add_argument("--replicates", type=int, default=4000, help="ensemble replicates")
    parser.add_argument("--mesa-steps", type=int, default=200, help="steps per Mesa timing")
    parser.add_argument("--memory-weeks", type=int, default=104, help="weeks in memory")
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS,
                        help="the many-thread side (default: numba's thread count)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "benchmarks")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",") + [s for s in args.skip.split(",") if s]) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; allowed: {', '.join(SECTIONS)}")
    args.sections = [s for s in args.only.split(",") if s not in args.skip.split(",")]
    return args


def main(argv=None) -> None:
    args = parse(argv)
    print(machine_line(), flush=True)
    numba.set_num_threads(args.threads)
    started = time.perf_counter()
    big = None
    for section in SECTIONS:
        if section not in args.sections:
            continue
        print(f"\n[{section}]", flush=True)
        if section in ("spmv", "scaling") and big is None:
            big = big_network(args)
        if section == "spmv":
            bench_spmv(args, big)
        elif section == "scaling":
            bench_scaling(args, big)
        else:
            globals()[f"bench_{section}"](args)
    print(f"\n{machine_line()}; total {time.perf_counter() - started:.0f} s")
    print(f"{'benchmark':<58} {'threads':>7} {'value':>12}  unit      target   met")
    for r in ROWS:
        print(f"{r['benchmark']:<58} {r['threads']:>7} {r['value']:>12.4g}  {r['unit']:<9} "
              f"{r['target']:<8} {r['met']}")  # fmt: skip
    write_outputs(args.out)
    print(f"wrote {args.out / 'bench.csv'} and {args.out / 'bench.md'}")


if __name__ == "__main__":
    main()
