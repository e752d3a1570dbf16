"""Speed of one model step: numba kernels vs the plain-Python reference, and vs a bare SpMV.

(a) 10,000-party SBM network: party-steps per second of ``kernels.step`` (single thread, after a
    warm-up compile) and of ``sim.reference.ReferenceModel.step`` over the same weeks; their
    ratio (target >= 100x).
(b) 1,000,000-party SBM network: median time of one ``kernels.step`` and of one CSR sparse
    matrix-vector product over the same adjacency (``y[i] = sum_k w[k] * x[nbr[k]]``, float64
    weights), at 1 thread and at numba's default thread count; their ratio (target <= 3x).
    The step's kernels are also timed one by one.

Every single-thread timing is taken twice: wall clock and CPU time of the calling thread
(``time.thread_time``), which is what to read on a shared, busy machine. A script, not a
test: it prints and asserts nothing about time.

Usage: ``python benchmarks/bench_step.py [--weeks 50] [--ref-weeks 3] [--big 1000000] [--reps 9]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numba
import numpy as np
from numba import njit, prange

from sim import Parameters, Policy, generated_scenario, kernels
from sim import rng as counter_rng
from sim.params import kernel_params
from sim.policy import compile_policy
from sim.state import OUTCOME_DTYPE, build_net, initial_state

SEED, REPLICATE = 1, 0


@njit(cache=True)
def csr_spmv(ptr, nbr, w, x, y):
    """y = A x for the CSR matrix (ptr, nbr, w): one pass over the rows, in the calling thread."""
    for i in range(ptr.shape[0] - 1):
        acc = 0.0
        for k in range(ptr[i], ptr[i + 1]):
            acc += w[k] * x[nbr[k]]
        y[i] = acc


@njit(parallel=True, cache=True)
def csr_spmv_parallel(ptr, nbr, w, x, y):
    """The same product with the rows spread over numba's threads."""
    for i in prange(ptr.shape[0] - 1):
        acc = 0.0
        for k in range(ptr[i], ptr[i + 1]):
            acc += w[k] * x[nbr[k]]
        y[i] = acc


class Run:
    """The state of one replicate (``sim.state.State``), stepped with ``kernels.step`` from
    week 0."""

    def __init__(self, scenario, policy, params):
        self.net = build_net(scenario)
        self.params = kernel_params(params)[0]
        self.action = compile_policy(policy, scenario, params)[0]
        self.state = initial_state(scenario)
        self.rkey = np.uint64(counter_rng.run_key(SEED, REPLICATE))
        self.t = 0

    def step(self):
        kernels.step(self.t, self.rkey, self.net, self.params, self.action, self.state)
        self.t += 1


def timed(fn, reps: int) -> tuple[list[float], list[float]]:
    """Wall-clock and calling-thread CPU seconds of ``reps`` calls of ``fn``."""
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
    return wall, cpu


def med_ms(xs) -> float:
    return statistics.median(xs) * 1e3


# ---------------------------------------------------------------------------------------- (a)
def bench_reference(args, rows):
    print(f"(a) generated_scenario({args.small:,}, 'sbm', seed=1)", flush=True)
    scenario = generated_scenario(args.small, "sbm", seed=1)
    policy, params = Policy(), Parameters()
    n = scenario.n_parties
    print(f"    {n:,} parties, {scenario.n_relations:,} relations")

    start = time.perf_counter()
    Run(scenario, policy, params).step()  # compiles (or loads the cache) for these types
    print(f"    warm-up step (compile or cache load): {time.perf_counter() - start:.2f} s")

    def numba_weeks(weeks):
        run = Run(scenario, policy, params)
        wall, cpu = timed(run.step, weeks)
        return sum(wall) / weeks, sum(cpu) / weeks, run

    trials = [numba_weeks(args.weeks) for _ in range(3)]
    long_wall = statistics.median(t[0] for t in trials)
    long_cpu = statistics.median(t[1] for t in trials)
    print(
        f"    numba kernels.step, weeks 0-{args.weeks - 1} (median of 3 runs): "
        f"{long_wall * 1e3:.3f} ms/week wall, {long_cpu * 1e3:.3f} ms/week CPU"
    )
    rows.append(
        (
            f"(a) numba step, {n:,} parties, weeks 0-{args.weeks - 1}",
            1,
            n / long_wall,
            n / long_cpu,
            "party-steps/s",
        )
    )

    try:
        from sim.reference import ReferenceModel
    except ImportError as exc:
        print(f"    reference: not available ({exc}); skipped")
        return
    weeks = args.ref_weeks
    ref = ReferenceModel(scenario, policy, params=params, seed=SEED, replicate=REPLICATE)
    ref_wall, ref_cpu = timed(ref.step, weeks)
    ref_wall, ref_cpu = sum(ref_wall) / weeks, sum(ref_cpu) / weeks
    print(
        f"    Python ReferenceModel.step, weeks 0-{weeks - 1}: {ref_wall * 1e3:.1f} ms/week wall, "
        f"{ref_cpu * 1e3:.1f} ms/week CPU"
    )
    trials = [numba_weeks(weeks) for _ in range(7)]
    same_wall = statistics.median(t[0] for t in trials)
    same_cpu = statistics.median(t[1] for t in trials)
    same = trials[0][2]
    out = np.zeros(1, OUTCOME_DTYPE)
    kernels.outcomes(same.state.run[0], out[0])
    ref_state = ref.to_state()
    agree = (
        {name: out[0][name].item() for name in OUTCOME_DTYPE.names} == ref.outcomes()
        and np.array_equal(same.state.tension, ref_state.tension)
        and np.array_equal(same.state.party.stage, ref_state.party.stage)
        and np.array_equal(same.state.party.grievance, ref_state.party.grievance)
    )
    print(
        f"    numba kernels.step, weeks 0-{weeks - 1} (median of 7 runs): "
        f"{same_wall * 1e3:.3f} ms/week wall, {same_cpu * 1e3:.3f} ms/week CPU; "
        f"same state as the reference: {agree}"
    )
    rows.append(
        (f"(a) numba step, weeks 0-{weeks - 1}", 1, n / same_wall, n / same_cpu, "party-steps/s")
    )
    rows.append(
        (
            f"(a) Python reference step, weeks 0-{weeks - 1}",
            1,
            n / ref_wall,
            n / ref_cpu,
            "party-steps/s",
        )
    )
    rows.append(
        (
            "(a) numba / reference, same weeks",
            1,
            ref_wall / same_wall,
            ref_cpu / same_cpu,
            "x (target >= 100x)",
        )
    )


# ---------------------------------------------------------------------------------------- (b)
def bench_spmv(args, rows, threads: int, big) -> float:
    scenario, run, w, x, y = big
    numba.set_num_threads(threads)
    ptr, nbr = run.net.csr_ptr, run.net.csr_nbr
    if threads == 1:
        spmv, name = (lambda: csr_spmv(ptr, nbr, w, x, y)), "serial"
    else:
        spmv, name = (lambda: csr_spmv_parallel(ptr, nbr, w, x, y)), "prange"
    step_wall, step_cpu = timed(run.step, args.reps)
    spmv_wall, spmv_cpu = timed(spmv, args.reps)
    ratio = med_ms(step_wall) / med_ms(spmv_wall)
    line = (
        f"    threads={threads}: kernels.step median {med_ms(step_wall):.1f} ms wall "
        f"({med_ms(step_cpu):.1f} CPU); {name} SpMV median {med_ms(spmv_wall):.1f} ms wall"
    )
    if threads == 1:
        line += f" ({med_ms(spmv_cpu):.1f} CPU)"
    print(line + f"; step/SpMV = {ratio:.2f}x wall")
    size = (
        f"{scenario.n_parties / 1e6:g}M"
        if scenario.n_parties >= 10**6
        else (f"{scenario.n_parties:,}")
    )
    one = threads == 1  # CPU time of the calling thread only means something single-threaded
    rows.append(
        (f"(b) numba step, {size} parties", threads, med_ms(step_wall), med_ms(step_cpu), "ms")
    )
    rows.append(
        (
            f"(b) CSR SpMV ({name}), same adjacency",
            threads,
            med_ms(spmv_wall),
            med_ms(spmv_cpu) if one else None,
            "ms",
        )
    )
    rows.append(
        (
            "(b) step / SpMV",
            threads,
            ratio,
            med_ms(step_cpu) / med_ms(spmv_cpu) if one else None,
            "x (target <= 3x)",
        )
    )
    return ratio if not one else min(ratio, med_ms(step_cpu) / med_ms(spmv_cpu))


def breakdown(args, big) -> None:
    """Time the step's kernels one by one (single thread) on the state of the big run."""
    _, run, *_ = big
    numba.set_num_threads(1)
    net, params, action = run.net, run.params, run.action
    party, tension, record = run.state.party, run.state.tension, run.state.run[0]
    skey = np.uint64(counter_rng.step_key(run.rkey, run.t))
    parts = {
        "apply_events": lambda: kernels.apply_events(run.t, net, party, tension),
        "update_relations": lambda: kernels.update_relations(
            skey, net, params, action, False, party, tension, record
        ),
        "update_parties": lambda: kernels.update_parties(
            run.t, skey, net, params, action, False, False, party, record
        ),
    }
    for fn in parts.values():  # compile for these argument types
        fn()
    results = {name: timed(fn, args.reps) for name, fn in parts.items()}
    total = sum(med_ms(cpu) for _, cpu in results.values())
    print("    kernels called one by one (1 thread, median of each):")
    for name, (wall, cpu) in results.items():
        print(
            f"      {name:<18} {med_ms(wall):8.1f} ms wall {med_ms(cpu):8.1f} ms CPU "
            f"{100 * med_ms(cpu) / total:5.1f}% of CPU"
        )
    m, entries = net.src.shape[0], net.csr_nbr.shape[0]
    print(
        f"      (update_relations loops over {m:,} relations; the SpMV over {entries:,} CSR "
        f"entries; update_parties over {party.stage.shape[0]:,} parties)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000, help="parties for (a)")
    parser.add_argument("--weeks", type=int, default=50, help="numba weeks timed in (a)")
    parser.add_argument("--ref-weeks", type=int, default=3, help="reference weeks timed in (a)")
    parser.add_argument("--big", type=int, default=1_000_000, help="parties for (b)")
    parser.add_argument("--reps", type=int, default=9, help="timed repetitions in (b)")
    args = parser.parse_args(argv)

    default_threads = numba.get_num_threads()
    print(
        f"numba {numba.__version__}, default threads {default_threads} "
        f"(NUMBA_NUM_THREADS {numba.config.NUMBA_NUM_THREADS})\n"
    )
    rows: list[tuple] = []
    numba.set_num_threads(1)
    bench_reference(args, rows)

    print(f"\n(b) generated_scenario({args.big:,}, 'sbm', seed=1)", flush=True)
    start = time.perf_counter()
    scenario = generated_scenario(args.big, "sbm", seed=1)
    run = Run(scenario, Policy(), Parameters())
    print(
        f"    {scenario.n_parties:,} parties, {scenario.n_relations:,} relations, "
        f"{run.net.csr_nbr.shape[0]:,} CSR entries (built in {time.perf_counter() - start:.1f} s)"
    )
    gen = np.random.default_rng(0)
    w = gen.random(run.net.csr_nbr.shape[0])
    x = gen.random(scenario.n_parties)
    y = np.zeros(scenario.n_parties)
    big = (scenario, run, w, x, y)
    run.step()  # warm-up: the small run compiled the same types
    csr_spmv(run.net.csr_ptr, run.net.csr_nbr, w, x, y)
    csr_spmv_parallel(run.net.csr_ptr, run.net.csr_nbr, w, x, y)
    worst = bench_spmv(args, rows, 1, big)
    if default_threads != 1:
        worst = max(worst, bench_spmv(args, rows, default_threads, big))
    if worst > 3.0:
        print("    step/SpMV is above the 3x target; where the step's time goes:")
    breakdown(args, big)
    numba.set_num_threads(default_threads)

    print("\n" + "=" * 96)
    print(f"{'benchmark':<46} {'threads':>7} {'wall':>14} {'thread CPU':>14}  unit")
    print("-" * 96)
    for name, threads, wall, cpu, unit in rows:
        big_unit = unit.startswith("party")
        fmt = (lambda v: f"{v:14,.0f}") if big_unit else (lambda v: f"{v:14.2f}")
        cpu_s = fmt(cpu) if cpu is not None else f"{'-':>14}"
        print(f"{name:<46} {threads:>7} {fmt(wall)} {cpu_s}  {unit}")
    print("=" * 96)
    print("kernels.step has no parallel loops: more numba threads speed up the SpMV, not the step.")


if __name__ == "__main__":
    main()
