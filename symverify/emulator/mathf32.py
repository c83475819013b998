"""The portable float32 exp and log of docs/layers.md ("exp and log"), in
numpy float32, vectorised: range reduction and the Cephes polynomials in the
documented operation order (numpy float32 ops round like C float ops
built with -ffp-contract=off). The emulator's softmax / cross entropy use
these; tests compare them bit for bit with the C sym_expf / sym_logf and
both with a float64 reference (benchmarks/mathf_ulp.py sweeps every float32
of the used ranges)."""
from __future__ import annotations

import numpy as np

F = np.float32
_EXP_P = tuple(F(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                              1.6666665459e-1, 5.0000001201e-1))
_LOG_P = tuple(F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                              1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                              3.3333331174e-1))
LN2_HI = F(0.693359375)
LN2_LO = F(-2.12194440e-4)
LOG2E = F(1.44269504088896341)
EXP_FLUSH_BELOW = F(-87.0)
SQRT_HALF = F(0.707106781186547524)


def expf32(x: np.ndarray) -> np.ndarray:
    """exp of float32 ``x`` (each <= 88): 0 below -87, NaN for NaN."""
    x = np.asarray(x, dtype=F)
    with np.errstate(invalid="ignore", over="ignore"):
        z = x * LOG2E
        half = np.where(z >= F(0), z + F(0.5), z - F(0.5)).astype(F)
        k = np.trunc(np.where(np.isfinite(half), half, F(0))).astype(np.int32)
        kf = k.astype(F)
        r = (x - kf * LN2_HI).astype(F)
        r = (r - kf * LN2_LO).astype(F)
        p = np.full_like(r, _EXP_P[0])
        for c in _EXP_P[1:]:
            p = (p * r + c).astype(F)
        p = (p * (r * r)).astype(F)
        p = (p + r).astype(F)
        p = (p + F(1)).astype(F)
        two_k = ((np.clip(k, -126, 127) + 127).astype(np.uint32) << np.uint32(23)).view(F)
        out = (p * two_k).astype(F)
    out = np.where(x < EXP_FLUSH_BELOW, F(0), out)
    return np.where(np.isnan(x), x, out).astype(F)


def logf32(x: np.ndarray) -> np.ndarray:
    """log of positive normal float32 ``x``."""
    x = np.asarray(x, dtype=F)
    u = x.view(np.uint32)
    e = ((u >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int32) - 126
    m = ((u & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(F)
    low = m < SQRT_HALF
    e = np.where(low, e - 1, e)
    m = np.where(low, (m + m) - F(1), m - F(1)).astype(F)
    fe = e.astype(F)
    z = (m * m).astype(F)
    y = np.full_like(m, _LOG_P[0])
    for c in _LOG_P[1:]:
        y = (y * m + c).astype(F)
    y = (y * m).astype(F)
    y = (y * z).astype(F)
    y = (y + fe * LN2_LO).astype(F)
    y = (y - F(0.5) * z).astype(F)
    m = (m + y).astype(F)
    return (m + fe * LN2_HI).astype(F)


def ulp_error(got: np.ndarray, x: np.ndarray, ref) -> np.ndarray:
    """|got - ref(x)| in units of the float32 ulp at ref(x) (float64 reference)."""
    want = ref(np.asarray(x, dtype=np.float64))
    ulp = np.spacing(np.abs(want).astype(F)).astype(np.float64)
    ulp = np.maximum(ulp, np.float64(2.0**-149))
    return np.abs(got.astype(np.float64) - want) / ulp
