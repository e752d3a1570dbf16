"""Counter-based random numbers: every draw is a hash of (seed, replicate, step, entity, purpose).

No generator state is carried, so a draw does not depend on thread count, on evaluation order,
or on which other draws were made. A baseline run and a policy run of the same replicate read the
same incident and transition draws (common random numbers), which makes their difference a paired
counterfactual.

The hash is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied in three stages so that
the per-draw cost is one finaliser call::

    run_key  = mix(mix(seed + G) ^ (replicate * K_REP))
    step_key = mix(run_key ^ (step * K_STEP))
    draw     = mix(step_key ^ (entity * K_ENTITY) ^ (purpose * K_PURPOSE))

The plain-Python functions below (``*_py``) compute the same bits with Python integers; the
reference implementation uses them, the numba kernels use the ``@njit`` twins.
"""

import numpy as np
from numba import njit, uint64

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
K_REP = 0xD1B54A32D192ED03
K_STEP = 0xABC98388FB8FAC03
K_ENTITY = 0x8CB92BA72F3D8DD7
K_PURPOSE = 0xC2B2AE3D27D4EB4F
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
INV_2_53 = 1.0 / 9007199254740992.0
SQRT3 = 1.7320508075688772
#: |z| of :func:`normal_py` never exceeds this (sum of four uniforms, centred and scaled).
NORMAL_BOUND = 2.0 * SQRT3

# Purposes: one per kind of draw, so no two mechanisms ever share a number.
PURPOSE_INCIDENT = 1
PURPOSE_STAGE = 2
PURPOSE_OBSERVE_UN = 3
PURPOSE_OBSERVE_REGIONAL = 4
PURPOSE_MEDIATION = 5


# ---------------------------------------------------------------- plain Python (reference)
def mix_py(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * _M1) & MASK64
    z = ((z ^ (z >> 27)) * _M2) & MASK64
    return z ^ (z >> 31)


def run_key_py(seed: int, replicate: int) -> int:
    return mix_py(mix_py((seed + GOLDEN) & MASK64) ^ ((replicate * K_REP) & MASK64))


def step_key_py(run_key: int, step: int) -> int:
    return mix_py(run_key ^ ((step * K_STEP) & MASK64))


def draw_py(step_key: int, entity: int, purpose: int) -> int:
    return mix_py(step_key ^ ((entity * K_ENTITY) & MASK64) ^ ((purpose * K_PURPOSE) & MASK64))


def uniform_py(bits: int) -> float:
    """Uniform in [0, 1) from the top 53 bits."""
    return (bits >> 11) * INV_2_53


def normal_py(bits: int) -> float:
    """Approximately standard normal: four 16-bit uniforms summed (Irwin-Hall), centred, scaled."""
    total = 0.0
    for k in range(4):
        total += (((bits >> (16 * k)) & 0xFFFF) + 0.5) * (1.0 / 65536.0)
    return (total - 2.0) * SQRT3


# ---------------------------------------------------------------- numba twins
_U_M1 = uint64(_M1)
_U_M2 = uint64(_M2)


@njit(inline="always", cache=True)
def mix(z):
    z = (z ^ (z >> uint64(30))) * _U_M1
    z = (z ^ (z >> uint64(27))) * _U_M2
    return z ^ (z >> uint64(31))


@njit(cache=True)
def run_key(seed, replicate):
    s = uint64(seed) + uint64(GOLDEN)
    return mix(mix(s) ^ (uint64(replicate) * uint64(K_REP)))


@njit(inline="always", cache=True)
def step_key(rkey, step):
    # uint64() first: a Python int key would otherwise be typed int64 and shift with sign.
    return mix(uint64(rkey) ^ (uint64(step) * uint64(K_STEP)))


@njit(inline="always", cache=True)
def draw(skey, entity, purpose):
    return mix(skey ^ (uint64(entity) * uint64(K_ENTITY)) ^ (uint64(purpose) * uint64(K_PURPOSE)))


@njit(inline="always", cache=True)
def uniform(bits):
    return np.float64(bits >> uint64(11)) * INV_2_53


@njit(inline="always", cache=True)
def normal(bits):
    total = 0.0
    for k in range(4):
        total += (np.float64((bits >> uint64(16 * k)) & uint64(0xFFFF)) + 0.5) * (1.0 / 65536.0)
    return (total - 2.0) * SQRT3
