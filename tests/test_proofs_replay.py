"""Every lemma has its expected outcome, and every counterexample replays on C:
the UBSan MAC harness fires at exactly the predicted step (and not one step
earlier), and the shipped kernels built with the sanitize variant return the
guard status (or the clamped value) with no sanitizer report."""
from __future__ import annotations

import pytest

from symverify.proofs import fp, lemmas, replay, runner, steps, witness


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import os
    os.environ.setdefault("SYMVERIFY_CACHE", str(tmp_path_factory.mktemp("cache")))
    res = runner.run_all((None, None), use_cache=True, jobs=0)
    return {r.id: r for r in res}


def test_catalog_shape():
    cat = lemmas.catalog()
    ids = [lem.id for lem in cat]
    assert len(ids) == len(set(ids))
    assert {lem.bits for lem in cat if lem.bits} == set(range(2, 17)) | {32}
    assert {lem.mode for lem in cat} >= {steps.HA, steps.SR}


def test_every_lemma_has_expected_outcome(results):
    bad = [(r.id, r.status, r.expect, r.counterexample) for r in results.values() if not r.ok]
    assert not bad
    # The per-lemma time goal (< 2 s) is a benchmark figure
    # (benchmarks/bench_prove.py), not a test: a loaded machine must not fail it.


def test_exact_fan_in_values(results):
    # SPEC section 8: int16 operands, two products overflow; int12: 511 fit.
    assert results["mac.fan_in[b=16,seed=none,N=1]"].status == "PROVEN"
    assert results["mac.fan_in[b=16,seed=none,N=2]"].status == "COUNTEREXAMPLE"
    assert results["mac.fan_in[b=12,seed=none,N=511]"].status == "PROVEN"
    assert results["mac.fan_in[b=12,seed=none,N=512]"].status == "COUNTEREXAMPLE"
    assert results["mac.fan_in[b=12,seed=guard,N=255]"].status == "PROVEN"
    assert results["mac.fan_in[b=16,seed=guard,N=1]"].status == "COUNTEREXAMPLE"


def _mac_cases(results):
    for r in results.values():
        if r.name in ("mac.fan_in", "value_sum.safe", "rescale.seed_plus_int16_product") and r.status == "COUNTEREXAMPLE":
            c = r.counterexample
            n = c.get("N", 1)
            if n > 70_000_000:  # b <= 4: hundreds of millions of steps; same code path as below
                continue
            yield r.id, int(c["seed"]), int(n), int(c["x"]), int(c.get("w", 1))


def test_mac_counterexamples_fire_ubsan_exactly_there(results):
    cases = list(_mac_cases(results))
    assert len(cases) >= 20
    for lid, seed, n, x, w in cases:
        # the overflowing partial sum is the n-th (earlier ones are in int32)
        first = next(k for k in range(1, n + 1) if not fp.INT32_MIN <= seed + k * x * w <= fp.INT32_MAX) \
            if n < 64 else n
        assert first == n, lid
        hit = replay.replay_mac(seed, n, x, w, expect_step=n)
        assert hit.fired and hit.where == f"step {n}", (lid, hit)
        if n > 1:
            clean = replay.replay_mac(seed, n - 1, x, w)
            assert not clean.fired, (lid, clean)


def test_kernel_replays(results):
    jobs, expect = [], []
    for r in results.values():
        if r.status != "COUNTEREXAMPLE":
            continue
        c, b = r.counterexample, r.bits
        if r.name == "convert.tiny_absmax":
            jobs.append({"kind": "float_to_sym", "x": [float(c["A"]["value"])], "bits": b})
            expect.append((r.id, "SYM_ERR_SCALE_UNDERFLOW", None))
        elif r.name == "quotient.le_qmax":
            A = float(c["A"]["value"])
            jobs.append({"kind": "float_to_sym", "x": [A], "bits": b})
            expect.append((r.id, "SYM_OK", [steps.qmax(b)]))
            jobs.append({"kind": "requant_dynamic", "m": [1], "s_in": A, "bits": b, "order": "clamp_first"})
            expect.append((r.id, "SYM_OK", [steps.qmax(b)]))
        elif r.name == "sr.unclamped_in_width" and r.params["step"] == "convert":
            jobs.append({"kind": "float_to_sym", "x": [float(steps.qmax(b))], "bits": b, "sr": True,
                         "state": int(c["state_in"])})
            expect.append((r.id, "SYM_OK", [steps.qmax(b)]))
        elif r.name == "sr.unclamped_in_width":
            jobs.append({"kind": "requant_fixed", "m": [steps.qmin(b)], "s_in": 1.0, "target": 1.0, "bits": b,
                         "state": int(c["state_in"])})
            expect.append((r.id, "SYM_OK", [steps.qmin(b)]))
        elif r.name in ("accumulate_fixed.width_kept", "accumulate_fixed.raw_target_add"):
            jobs.append({"kind": "accumulate_fixed", "t": [int(c["t"])], "s_t": 1.0, "bits": b,
                         "inc": [int(c["seed"])], "s_inc": 1.0})
            expect.append((r.id, "SYM_ERR_INT_OVERFLOW", None))
    jobs.append({"kind": "rescale", "q": 1, "s_p": float(fp.RESCALE_GUARD), "s_acc": 1.0})
    expect.append(("seed at the guard is reachable", "SYM_OK", [fp.RESCALE_GUARD]))
    jobs.append({"kind": "linear_forward", "n": 1, "x": -32768, "w": -32768, "x_bits": 16, "w_bits": 16,
                 "bias_q": 1, "s_b": float(fp.RESCALE_GUARD)})
    expect.append(("rescale.seed_plus_int16_product on sym_linear_forward", "SYM_ERR_INT_OVERFLOW", None))
    jobs.append({"kind": "linear_forward", "n": 512, "x": -2048, "w": -2048, "x_bits": 12, "w_bits": 12})
    expect.append(("mac.fan_in[b=12,seed=none,N=512] on sym_linear_forward", "SYM_ERR_INT_OVERFLOW", None))
    assert len(jobs) > 60
    outs = replay.replay_kernels(jobs, variant="sanitize")
    for (lid, status, m), out in zip(expect, outs):
        assert out["status"] == status, (lid, out)
        assert out["sanitizer"] == "", (lid, out)
        if m is not None:
            assert out["m"] == m, (lid, out)


def test_sr_witness_states_invert_xorshift():
    for new in (1, 0xA5, 0xFFFFFFFF, 0x12345678):
        assert witness.xorshift32(witness.state_before(new)) == new


def test_layernorm_affine_finding_replays_on_c(results):
    """layernorm.affine[b=16,gamma_bits=16,SR]: the SR draw u = 0 turns n = -A into q_n = qMin;
    with gamma = qMin and a beta seed of 2^30 sym_layernorm forward returns INT_OVERFLOW (checked
    add, no sanitizer report). The same input under HALF_AWAY gives q_n = -qMax and fits."""
    r = results["layernorm.affine[b=16,gamma_bits=16,SR]"]
    assert r.status == "COUNTEREXAMPLE" and r.counterexample["q_n"] == -32768
    assert results["layernorm.affine[b=16,gamma_bits=16,HA]"].status == "PROVEN"
    assert results["layernorm.affine[b=16,gamma_bits=15,SR]"].status == "PROVEN"
    jobs = [replay.layernorm_affine_job(16, -32768, 16, True, 30),
            replay.layernorm_affine_job(16, -32768, 16, True, None),
            replay.layernorm_affine_job(16, -32768, 16, False, 30)]
    sr, sr_probe, ha = replay.replay_kernels(jobs, variant="sanitize")
    assert sr["status"] == "SYM_ERR_INT_OVERFLOW" and sr["sanitizer"] == "", sr
    assert sr_probe["status"] == "SYM_OK" and sr_probe["m"][0] == 2 ** 30  # q_n = qMin reached
    assert ha["status"] == "SYM_OK" and ha["m"][0] == 32767 * 32768 + 2 ** 30 and ha["sanitizer"] == ""
