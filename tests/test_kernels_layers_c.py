"""The C layer cores called directly through cffi: status codes, and nothing
written on error (outputs, scales, RNG state). Also runs the layer tests
against the sanitize build (ASan + UBSan, float-cast-overflow)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify import build
from symverify import kernels_layers as L

ROOT = Path(__file__).resolve().parents[1]
SENT_I = 0x5A5A5A5A
SENT_F = -777.0
M32 = 0xFFFFFFFF


@pytest.fixture(scope="module")
def fl():
    return sv.kernels.ffi_lib()


def i32(ffi, values):
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.int32).reshape(-1))
    return arr, ffi.cast("int32_t *", ffi.from_buffer(arr))


def f32buf(ffi, values):
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.float32).reshape(-1))
    return arr, ffi.cast("float *", ffi.from_buffer(arr))


def code(status: int) -> str:
    return sv.errors.STATUS_NAMES[int(status)]


def rng_predecessor(s: int) -> int:
    """The xorshift32 state whose next draw gives state ``s`` (inverts 13, 17, 5)."""
    def inv_left(y: int, k: int) -> int:
        x = y
        for _ in range(32 // k + 1):
            x = y ^ ((x << k) & M32)
        return x

    def inv_right(y: int, k: int) -> int:
        x = y
        for _ in range(32 // k + 1):
            x = y ^ (x >> k)
        return x
    return inv_left(inv_right(inv_left(s, 5), 17), 13)


def linear_fwd(fl, x, w, b, dims, x_bits=16, w_bits=16, s=(1.0, 1.0, 1.0), acc_len=None, acc=None):
    ffi, lib = fl
    xa, xp = i32(ffi, x)
    wa, wp = i32(ffi, w)
    bsz, in_f, out_f = dims
    if b is None:
        bp, nb = ffi.NULL, 0
    else:
        ba, bp = i32(ffi, b)
        nb = ba.size
    n_acc = bsz * out_f if acc_len is None else acc_len
    if acc is None:
        acc = np.full(max(n_acc, 1), SENT_I, dtype=np.int32)
    s_acc = ffi.new("float[1]", [SENT_F])
    st = lib.sym_linear_forward_core(xp, xa.size, s[0], x_bits, wp, wa.size, s[1], w_bits, bp, nb, s[2],
                                bsz, in_f, out_f, ffi.cast("int32_t *", ffi.from_buffer(acc)), n_acc, s_acc)
    return code(st), acc, s_acc[0]


def test_linear_forward_ok_and_overflow_writes_nothing(fl):
    st, acc, s = linear_fwd(fl, [[1, 2, 3], [-1, 0, 2]], [[1, 0, -1], [2, 1, 1]], None, (2, 3, 2),
                            s=(0.5, 0.25, 1.0))
    assert st == "SYM_OK" and acc.tolist() == [-2, 7, -3, 0] and s == 0.125
    st, acc, s = linear_fwd(fl, [[-32768, -32768]], [[-32768, -32768]], None, (1, 2, 1))
    assert st == "SYM_ERR_INT_OVERFLOW"
    assert acc.tolist() == [SENT_I] and s == SENT_F
    # the overflow is found in the last output element: the first ones must stay unwritten too
    st, acc, s = linear_fwd(fl, [[1, 1], [-32768, -32768]], [[-32768, -32768]], None, (2, 2, 1))
    assert st == "SYM_ERR_INT_OVERFLOW" and acc.tolist() == [SENT_I, SENT_I] and s == SENT_F


def test_linear_forward_statuses(fl):
    x, w = [[1, 2]], [[3, 4]]
    assert linear_fwd(fl, x, w, [2 ** 20], (1, 2, 1), s=(2.0 ** -10, 2.0 ** -10, 1.0))[0] == "SYM_ERR_RANGE_GUARD"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), x_bits=17)[0] == "SYM_ERR_BAD_WIDTH"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), w_bits=1)[0] == "SYM_ERR_BAD_WIDTH"
    assert linear_fwd(fl, [[300, 2]], w, None, (1, 2, 1), x_bits=8)[0] == "SYM_ERR_INT_OVERFLOW"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), s=(float("nan"), 1.0, 1.0))[0] == "SYM_ERR_BAD_SCALE"
    assert linear_fwd(fl, x, w, [1], (1, 2, 1), s=(1.0, 1.0, 0.0))[0] == "SYM_ERR_BAD_SCALE"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), s=(2.0 ** -70, 2.0 ** -70, 1.0))[0] == "SYM_ERR_SCALE_UNDERFLOW"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), s=(2.0 ** 70, 2.0 ** 70, 1.0))[0] == "SYM_ERR_FLOAT_OVERFLOW"
    assert linear_fwd(fl, x, w, None, (1, 3, 1))[0] == "SYM_ERR_SHAPE"
    assert linear_fwd(fl, x, w, [1, 2], (1, 2, 1))[0] == "SYM_ERR_SHAPE"
    assert linear_fwd(fl, x, w, None, (1, 2, 1), acc_len=2)[0] == "SYM_ERR_SHAPE"
    assert linear_fwd(fl, x, w, None, (0, 2, 1))[0] == "SYM_ERR_EMPTY"
    assert linear_fwd(fl, x, w, None, (1, 2, 1 << 30), acc_len=1)[0] == "SYM_ERR_SHAPE"


def test_linear_forward_alias_and_null(fl):
    ffi, lib = fl
    xa, xp = i32(ffi, [[1, 2]])
    wa, wp = i32(ffi, [[3, 4]])
    s_acc = ffi.new("float[1]")
    assert code(lib.sym_linear_forward_core(xp, 2, 1.0, 8, wp, 2, 1.0, 8, ffi.NULL, 0, 1.0, 1, 2, 1,
                                       xp, 1, s_acc)) == "SYM_ERR_ALIAS"
    assert code(lib.sym_linear_forward_core(xp, 2, 1.0, 8, wp, 2, 1.0, 8, ffi.NULL, 0, 1.0, 1, 2, 1,
                                       ffi.NULL, 1, s_acc)) == "SYM_ERR_NULL"
    assert xa.tolist() == [1, 2]


def test_linear_grads_by_hand_and_nothing_written(fl):
    ffi, lib = fl
    dya, dyp = i32(ffi, [[1, -1], [2, 0]])
    xa, xp = i32(ffi, [[1, 2, 3], [-1, 0, 2]])
    wa, wp = i32(ffi, [[1, 0, -1], [2, 1, 1]])
    dw = np.full(6, SENT_I, np.int32)
    s = ffi.new("float[1]", [SENT_F])
    assert lib.sym_linear_grad_w(dyp, 4, 0.5, 8, xp, 6, 0.5, 8, 2, 3, 2,
                                 ffi.cast("int32_t *", ffi.from_buffer(dw)), 6, s) == 0
    assert dw.tolist() == [-1, 2, 7, -1, -2, -3] and s[0] == 0.25
    dx = np.full(6, SENT_I, np.int32)
    assert lib.sym_linear_grad_x(dyp, 4, 0.5, 8, wp, 6, 0.25, 8, 2, 3, 2,
                                 ffi.cast("int32_t *", ffi.from_buffer(dx)), 6, s) == 0
    assert dx.tolist() == [-1, -1, -2, 2, 0, -2] and s[0] == 0.125
    db = np.full(2, SENT_I, np.int32)
    assert lib.sym_linear_grad_b(dyp, 4, 2, 2, ffi.cast("int32_t *", ffi.from_buffer(db)), 2) == 0
    assert db.tolist() == [3, -1]
    # column sum overflow: nothing written
    bad, badp = i32(ffi, [[5, 2 ** 31 - 1], [-5, 1]])
    db = np.full(2, SENT_I, np.int32)
    assert code(lib.sym_linear_grad_b(badp, 4, 2, 2, ffi.cast("int32_t *", ffi.from_buffer(db)), 2)) \
        == "SYM_ERR_INT_OVERFLOW"
    assert db.tolist() == [SENT_I, SENT_I]
    # dW overflow: nothing written
    big, bigp = i32(ffi, [[-32768], [-32768]])
    dw = np.full(1, SENT_I, np.int32)
    s[0] = SENT_F
    assert code(lib.sym_linear_grad_w(bigp, 2, 1.0, 16, bigp, 2, 1.0, 16, 2, 1, 1,
                                      ffi.cast("int32_t *", ffi.from_buffer(dw)), 1, s)) == "SYM_ERR_INT_OVERFLOW"
    assert dw.tolist() == [SENT_I] and s[0] == SENT_F
    assert code(lib.sym_linear_grad_x(bigp, 2, 1.0, 16, bigp, 2, 1.0, 16, 1, 2, 2,
                                      ffi.cast("int32_t *", ffi.from_buffer(dw)), 1, s)) == "SYM_ERR_SHAPE"


# ---------------------------------------------------------------- layernorm

def ln_forward_call(fl, x, gamma, beta, scales, bits, norm_bits, eps, rounding, rng_state):
    ffi, lib = fl
    xa, xp = i32(ffi, x)
    ga, gp = i32(ffi, gamma)
    ba, bp = i32(ffi, beta)
    bsz, feats = np.asarray(x).shape
    y = np.full(xa.size, SENT_I, np.int32)
    s_y = ffi.new("float[1]", [SENT_F])
    rbuf = ffi.NULL if rng_state is None else ffi.new("uint32_t[1]", [rng_state])
    st = lib.sym_layernorm_forward_core(xp, xa.size, scales[0], bits[0], gp, ga.size, scales[1], bits[1],
                                   bp, ba.size, scales[2], bsz, feats, norm_bits, eps, rounding, rbuf,
                                   ffi.cast("int32_t *", ffi.from_buffer(y)), y.size, s_y)
    return code(st), y, s_y[0], (None if rng_state is None else int(rbuf[0]))


def test_layernorm_forward_sr_affine_overflow_writes_nothing(fl):
    # x = [[1, 2]]: n*K of the first element is exactly -32767.0f; with the draw u = 0
    # SR gives round(-32767.5) = -32768; gamma_0 = -32768: product 2^30, plus a beta seed
    # just above 2^30 (inside the guard) leaves int32.
    s0 = rng_predecessor(1)  # next draw: state 1, u = 0
    args = ([[1, 2]], [-32768, 1], [32767, 0], (1.0, 1.0, float(np.float32(1.00005))), (16, 16), 16, 1e-5)
    st, y, s_y, rng = ln_forward_call(fl, *args, 1, s0)
    assert st == "SYM_ERR_INT_OVERFLOW"
    assert y.tolist() == [SENT_I, SENT_I] and s_y == SENT_F and rng == s0
    # HALF_AWAY cannot reach -32768: the same input fits
    st, y, s_y, _ = ln_forward_call(fl, *args, 0, None)
    ffi, lib = fl
    seed = ffi.new("int32_t[1]")
    assert lib.sym_rescale_to_acc(32767, float(np.float32(1.00005)), s_y, seed) == 0
    assert seed[0] > 2 ** 31 - 1 - 2 ** 30
    assert st == "SYM_OK" and y.tolist()[0] == 32767 * 32768 + seed[0]
    # and through the Python layer: SymError, rng unchanged
    rng_obj = sv.Rng(s0)
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(sv.SymTensor(np.array([[1, 2]]), 1.0, 16), sv.SymTensor(np.array([-32768, 1]), 1.0, 16),
                            sv.SymTensor(np.array([32767, 0]), np.float32(1.00005), 16), norm_bits=16,
                            rounding=sv.SR_HALF_AWAY, rng_state=rng_obj)
    assert exc.value.code == "SYM_ERR_INT_OVERFLOW"
    assert rng_obj.state == s0


def test_layernorm_forward_statuses(fl):
    ok = ([[1, 2], [3, 5]], [1, 1], [0, 0], (1.0, 1.0, 1.0), (8, 8), 8, 1e-5, 0, None)
    assert ln_forward_call(fl, *ok)[0] == "SYM_OK"
    assert ln_forward_call(fl, ok[0], ok[1], ok[2], ok[3], (17, 8), *ok[5:])[0] == "SYM_ERR_BAD_WIDTH"
    assert ln_forward_call(fl, *ok[:5], 1, *ok[6:])[0] == "SYM_ERR_BAD_WIDTH"
    assert ln_forward_call(fl, *ok[:6], 0.0, 0, None)[0] == "SYM_ERR_BAD_SCALE"
    assert ln_forward_call(fl, *ok[:6], float("inf"), 0, None)[0] == "SYM_ERR_BAD_SCALE"
    assert ln_forward_call(fl, *ok[:7], 2, None)[0] == "SYM_ERR_BAD_ROUNDING"
    assert ln_forward_call(fl, *ok[:7], 1, None)[0] == "SYM_ERR_NULL"
    assert ln_forward_call(fl, *ok[:7], 1, 0)[0] == "SYM_ERR_BAD_RNG"
    assert ln_forward_call(fl, [[300, 2]], *ok[1:])[0] == "SYM_ERR_INT_OVERFLOW"
    huge = (2.0 ** 120, 1.0, 1.0)
    st, y, s_y, _ = ln_forward_call(fl, [[32767, -32768]], [1, 1], [0, 0], huge, (16, 8), 8, 1e-5, 0, None)
    assert st == "SYM_ERR_FLOAT_OVERFLOW" and y.tolist() == [SENT_I, SENT_I] and s_y == SENT_F
    tiny_gamma = (1.0, 2.0 ** -126, 1.0)
    st, y, s_y, _ = ln_forward_call(fl, [[1, 2]], [1, 1], [0, 0], tiny_gamma, (8, 8), 8, 1e-5, 0, None)
    assert st == "SYM_ERR_SCALE_UNDERFLOW" and s_y == SENT_F


def test_layernorm_feature_limit(fl):
    ffi, lib = fl
    feats = 1 << 16
    x = np.zeros(feats, np.int32)
    x[0] = 1
    g = np.ones(feats, np.int32)
    y = np.zeros(feats, np.int32)
    s_y = ffi.new("float[1]")
    p = lambda a: ffi.cast("int32_t *", ffi.from_buffer(a))  # noqa: E731
    assert code(lib.sym_layernorm_forward_core(p(x), feats, 1.0, 8, p(g), feats, 1.0, 8, p(g), feats, 1.0,
                                          1, feats, 8, 1e-5, 0, ffi.NULL, p(y), feats, s_y)) == "SYM_ERR_SHAPE"
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(sv.SymTensor(x.reshape(1, feats), 1.0, 8), sv.SymTensor(g, 1.0, 8),
                            sv.SymTensor(g, 1.0, 8))
    assert exc.value.code == "SYM_ERR_SHAPE"


def test_layernorm_backward_nothing_written_on_overflow(fl):
    ffi, lib = fl
    xa, xp = i32(ffi, [[1, 2]])
    ga, gp = i32(ffi, [32767, 32767])
    da, dp = i32(ffi, [[32767, -32768]])
    dx = np.full(2, SENT_F, np.float32)
    st = lib.sym_layernorm_backward_core(xp, 2, 1.0, 8, gp, 2, 2.0 ** 100, dp, 2, 2.0 ** 100, 1, 2, 1e-5,
                                    ffi.cast("float *", ffi.from_buffer(dx)), 2)
    assert code(st) == "SYM_ERR_NONFINITE_INPUT"
    assert dx.tolist() == [SENT_F, SENT_F]


# ---------------------------------------------------------------- loss / sgd

def test_mse_and_sgd_nothing_written(fl):
    ffi, lib = fl
    ya, yp = i32(ffi, [2, -1])
    ta, tp = f32buf(ffi, [0.5, float("nan")])
    g = np.full(2, SENT_F, np.float32)
    loss = ffi.new("float[1]", [SENT_F])
    st = lib.sym_mse_loss_core(yp, 2, 0.5, tp, 2, loss, ffi.cast("float *", ffi.from_buffer(g)), 2)
    assert code(st) == "SYM_ERR_NONFINITE_INPUT" and loss[0] == SENT_F and g.tolist() == [SENT_F, SENT_F]
    ta, tp = f32buf(ffi, [0.5, 0.5])
    st = lib.sym_mse_loss_core(yp, 2, 0.5, tp, 2, loss, ffi.cast("float *", ffi.from_buffer(g)), 2)
    assert st == 0 and loss[0] == 0.625 and g.tolist() == [0.5, -1.0]
    assert code(lib.sym_mse_loss_core(yp, 2, 0.5, tp, 1, loss, ffi.cast("float *", ffi.from_buffer(g)), 2)) \
        == "SYM_ERR_SHAPE"
    pa, pp = i32(ffi, [3, -2, 0])
    ga, gp = i32(ffi, [4, 4, -4])
    w = np.full(3, SENT_F, np.float32)
    wp = ffi.cast("float *", ffi.from_buffer(w))
    assert lib.sym_sgd_update_core(pp, 3, 0.25, gp, 3, 0.25, 0.25, wp, 3) == 0
    assert w.tolist() == [0.5, -0.75, 0.25]
    w[:] = SENT_F
    for lr in (0.0, -1.0, float("nan"), float("inf")):
        assert code(lib.sym_sgd_update_core(pp, 3, 0.25, gp, 3, 0.25, lr, wp, 3)) == "SYM_ERR_BAD_SCALE"
    assert code(lib.sym_sgd_update_core(pp, 3, 2.0 ** 127, gp, 3, 2.0 ** 127, 1.0, wp, 3)) == "SYM_ERR_FLOAT_OVERFLOW"
    assert code(lib.sym_sgd_update_core(pp, 3, 0.25, gp, 2, 0.25, 0.1, wp, 3)) == "SYM_ERR_SHAPE"
    assert code(lib.sym_sgd_update_core(pp, 3, 0.25, gp, 3, 0.25, 0.1, ffi.cast("float *", pp), 3)) == "SYM_ERR_ALIAS"
    assert w.tolist() == [SENT_F] * 3


@pytest.mark.sanitize
@pytest.mark.skipif(os.environ.get(build.VARIANT_ENV) == "sanitize", reason="already running the sanitize build")
def test_layer_suite_under_asan_ubsan():
    # No skip: a machine without the sanitizer runtime fails this test.
    env = build.sanitizer_env()
    assert os.path.exists(env["LD_PRELOAD"]), f"libasan not found: {env['LD_PRELOAD']!r}"
    tests = [str(ROOT / "tests" / "test_kernels_layers.py"), str(ROOT / "tests" / "test_kernels_layers_c.py")]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    assert " passed" in res.stdout
