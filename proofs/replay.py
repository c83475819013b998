"""Replay counterexamples on C: the UBSan MAC harness and the shipped kernels
built with the ``sanitize`` variant (UBSan + ASan, in a child process)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

HARNESS_SRC = Path(__file__).with_name("harness") / "mac_harness.c"


@dataclass
class Replay:
    fired: bool  # UBSan reported / the kernel guard status was returned
    where: str  # step index or status name
    detail: str


def _cache() -> Path:
    base = os.environ.get("SYMVERIFY_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "symverify") / "harness"


def harness_binary() -> Path:
    """Compile (once, cached by source hash) the UBSan MAC harness."""
    src = HARNESS_SRC.read_bytes()
    flags = ["-std=c99", "-O1", "-g", "-fsanitize=undefined", "-fno-sanitize-recover=all", "-ffp-contract=off"]
    tag = hashlib.sha256(src + " ".join(flags).encode()).hexdigest()[:16]
    out = _cache() / f"mac_harness-{tag}"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        cc = os.environ.get("CC", "gcc")
        subprocess.run([cc, *flags, str(HARNESS_SRC), "-o", str(tmp)], check=True, capture_output=True)
        os.replace(tmp, out)
    return out


def replay_mac(seed: int, n: int, x: int, w: int, expect_step: int | None = None) -> Replay:
    """Run seed + sum of n products x*w in the UBSan harness."""
    env = dict(os.environ)
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=0"
    if expect_step is not None:
        env["MAC_WATCH"] = str(expect_step)
    p = subprocess.run([str(harness_binary()), str(seed), str(n), str(x), str(w)],
                       capture_output=True, text=True, env=env, timeout=120)
    steps = [int(line.split()[1]) for line in p.stdout.splitlines() if line.startswith("step ")]
    fired = "signed integer overflow" in p.stderr and p.returncode != 0
    where = f"step {steps[-1]}" if (fired and steps) else "none"
    return Replay(fired, where, p.stderr.strip().splitlines()[0] if p.stderr.strip() else p.stdout.strip()[-200:])


_KERNEL_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import symverify as sv
    from symverify.proofs import fp
    def one(job):
      kind = job["kind"]
      try:
          if kind == "float_to_sym":
              rng = sv.Rng(1) if job.get("state") is None else sv.Rng(1)
              if job.get("state") is not None:
                  rng.state = job["state"]
              t = sv.kernels.float_to_sym(np.array(job["x"], dtype=np.float32), job["bits"],
                                          sv.SR_HALF_AWAY if job.get("sr") else sv.HALF_AWAY,
                                          rng if job.get("sr") else None)
              out = {"status": "SYM_OK", "m": t.mantissas.tolist()}
          elif kind == "requant_fixed":
              rng = sv.Rng(1); rng.state = job["state"]
              t = sv.SymTensor(np.array(job["m"], dtype=np.int32), np.float32(job["s_in"]), 32)
              r = sv.kernels.requant_fixed(t, np.float32(job["target"]), job["bits"], sv.SR_HALF_AWAY, rng)
              out = {"status": "SYM_OK", "m": r.mantissas.tolist()}
          elif kind == "requant_dynamic":
              t = sv.SymTensor(np.array(job["m"], dtype=np.int32), np.float32(job["s_in"]), 32)
              r = sv.kernels.requant_dynamic(t, job["bits"], sv.HALF_AWAY, job["order"])
              out = {"status": "SYM_OK", "m": r.mantissas.tolist()}
          elif kind == "accumulate_fixed":
              t = sv.SymTensor(np.array(job["t"], dtype=np.int32), np.float32(job["s_t"]), job["bits"])
              inc = sv.SymTensor(np.array(job["inc"], dtype=np.int32), np.float32(job["s_inc"]), 32)
              r = sv.kernels.accumulate_fixed(t, inc)
              out = {"status": "SYM_OK", "m": r.mantissas.tolist()}
          elif kind == "rescale":
              out = {"status": "SYM_OK", "m": [sv.kernels.rescale_to_acc(job["q"], np.float32(job["s_p"]), np.float32(job["s_acc"]))]}
          elif kind in ("conv1d_forward", "conv_transpose1d_forward"):
              n = job["n"]
              x = sv.SymTensor(np.full((1, n, 1), job["x"], dtype=np.int32), np.float32(1.0), job["x_bits"])
              shape = (1, n, 1) if kind == "conv1d_forward" else (n, 1, 1)
              w = sv.SymTensor(np.full(shape, job["w"], dtype=np.int32), np.float32(1.0), job["w_bits"])
              b = None
              if job.get("bias_q") is not None:
                  b = sv.SymTensor(np.array([job["bias_q"]], dtype=np.int32), np.float32(job["s_b"]), 32)
              y = getattr(sv.kernels, kind)(x, w, b)
              out = {"status": "SYM_OK", "m": y.mantissas.ravel()[:4].tolist()}
          elif kind == "linear_forward":
              n = job["n"]
              x = sv.SymTensor(np.full((1, n), job["x"], dtype=np.int32), np.float32(1.0), job["x_bits"])
              w = sv.SymTensor(np.full((1, n), job["w"], dtype=np.int32), np.float32(1.0), job["w_bits"])
              b = None
              if job.get("bias_q") is not None:
                  b = sv.SymTensor(np.array([job["bias_q"]], dtype=np.int32), np.float32(job["s_b"]), 32)
              lf = getattr(sv.kernels, "linear_forward", None)
              if lf is None:
                  from symverify import kernels_layers
                  lf = kernels_layers.linear_forward
              y = lf(x, w, b)
              out = {"status": "SYM_OK", "m": y.mantissas.ravel().tolist()}
          elif kind == "layernorm_forward":
              # q_n = round((n*K + u) - 1/2) with the draw u fixed by the RNG state; beta seeded
              # to 2^k exactly: s_beta = s_y * 2^k (s_y probed with beta = 0 on the same x, gamma).
              from symverify import kernels_layers as KL
              x = sv.SymTensor(np.array(job["x"], dtype=np.int32), np.float32(1.0), job["x_bits"])
              f = x.mantissas.shape[1]
              g = sv.SymTensor(np.array(job["gamma"], dtype=np.int32), np.float32(1.0), job["gamma_bits"])
              zero = sv.SymTensor(np.zeros(f, dtype=np.int32), np.float32(1.0), 32)
              s_y = KL.layernorm_forward(x, g, zero, norm_bits=job["norm_bits"]).scale
              beta = zero
              if job.get("beta_seed_pow2") is not None:
                  bq = np.zeros(f, dtype=np.int32); bq[job.get("beta_index", 0)] = 1
                  beta = sv.SymTensor(bq, np.float32(np.float32(s_y) * np.float32(2.0 ** job["beta_seed_pow2"])), 32)
              rng = None
              if job.get("sr"):
                  rng = sv.Rng(1); rng.state = job["state"]
              y = KL.layernorm_forward(x, g, beta, norm_bits=job["norm_bits"],
                                       rounding=sv.SR_HALF_AWAY if job.get("sr") else sv.HALF_AWAY, rng_state=rng)
              out = {"status": "SYM_OK", "m": y.mantissas.ravel().tolist()}
          else:
              raise SystemExit(f"unknown replay kind {kind}")
      except sv.SymError as exc:
          out = {"status": exc.code, "argument": exc.argument}
      return out
    for job in json.loads(sys.argv[1]):
        print("REPLAY " + json.dumps(one(job)), flush=True)
""")


def replay_kernel(job: dict, variant: str = "sanitize") -> dict:
    """Run one kernel call in a child Python (see :func:`replay_kernels`)."""
    return replay_kernels([job], variant)[0]


def replay_kernels(jobs: list, variant: str = "sanitize") -> list:
    """Run kernel calls in one child Python on the given build variant.

    Returns ``{"status": ..., "m": [...]}`` plus ``sanitizer`` (the first
    UBSan/ASan line, or "") and ``returncode``."""
    env = dict(os.environ)
    env["SYMVERIFY_VARIANT"] = variant
    if variant == "sanitize":
        try:
            from symverify.build import sanitizer_env
            env = sanitizer_env(env)
        except Exception:  # noqa: BLE001
            lib = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
            env["LD_PRELOAD"] = lib
            env["ASAN_OPTIONS"] = "detect_leaks=0"
        env["SYMVERIFY_VARIANT"] = variant
    p = subprocess.run([sys.executable, "-c", _KERNEL_CHILD, json.dumps(jobs)], capture_output=True, text=True,
                       env=env, timeout=300)
    outs = [json.loads(line[7:]) for line in p.stdout.splitlines() if line.startswith("REPLAY ")]
    san = [ln for ln in p.stderr.splitlines() if "runtime error" in ln or "AddressSanitizer" in ln]
    results = []
    for i in range(len(jobs)):
        res = {"status": None, "returncode": p.returncode, "sanitizer": ""}
        if i < len(outs):
            res.update(outs[i])
        elif i == len(outs):  # the job that was running when the child died
            res["sanitizer"] = san[0] if san else ""
            res["stderr"] = p.stderr[-2000:]
        results.append(res)
    return results


def layernorm_affine_job(norm_bits: int, gamma: int, gamma_bits: int, sr: bool, seed_pow2: int | None) -> dict:
    """A sym_layernorm forward call whose first element has n = -A, so q_n = -qMax (HA) or,
    with the SR draw u = 0, round(-qMax - 1/2) = qMin; gamma_0 = gamma; beta_0 seeded to 2^seed_pow2."""
    from .witness import state_before
    return {"kind": "layernorm_forward", "x": [[-1, 1]], "x_bits": 12, "gamma": [gamma, gamma],
            "gamma_bits": gamma_bits, "norm_bits": norm_bits, "sr": sr,
            "state": state_before(0x000000A5) if sr else None,  # next draw: u = (0xA5 >> 8) * 2^-24 = 0
            "beta_seed_pow2": seed_pow2}
