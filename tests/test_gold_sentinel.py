"""The gold suite's output sentinels (mutants/gold.py, mutants/layers_gold.py):
an element a kernel never writes, and any write on an error status, is a
difference in every build (not only where ASan poisons the slot)."""
from __future__ import annotations

import cffi
import numpy as np

from symverify.errors import STATUS_CODES
from symverify.mutants import gold, layers_gold

FFI = cffi.FFI()


class _Lib:
    """A stand-in kernel library: sym_float_to_sym writes ``write`` elements
    (the right HALF_AWAY mantissas of x = [1, -1, 0.5] at 8 bits) and returns
    ``status``."""

    def __init__(self, write: int, status: int) -> None:
        self.write, self.status = write, status

    def sym_float_to_sym(self, x, n, bits, rounding, rng, m, scale):
        want = [127, -127, 64]
        for i in range(self.write):
            m[i] = want[i]
        if self.write:
            scale[0] = np.float32(1.0) / np.float32(127.0)
        return self.status


def _case(expect_status: str = "SYM_OK") -> gold.Case:
    x = [f"0x{np.float32(v).view(np.uint32):08X}" for v in (1.0, -1.0, 0.5)]
    scale = f"0x{(np.float32(1.0) / np.float32(127.0)).view(np.uint32):08X}"
    expect = {"status": expect_status}
    if expect_status == "SYM_OK":
        expect.update({"mantissas": [127, -127, 64], "scale": scale})
    return gold.Case("convert", "t", "float_to_sym", {"x": x, "q_max_bits": 8, "rounding": "half_away"}, expect)


def test_a_complete_write_passes():
    assert _case().run(FFI, _Lib(3, 0)) is None


def test_an_element_never_written_differs():
    why = _case().run(FFI, _Lib(2, 0))
    assert why and "mantissas[2] 1515870810" in why  # 0x5A5A5A5A, not a zero that could match


def test_a_write_on_an_error_status_is_reported():
    bad = STATUS_CODES["SYM_ERR_NONFINITE_INPUT"]
    assert _case("SYM_ERR_NONFINITE_INPUT").run(FFI, _Lib(0, bad)) is None
    why = _case("SYM_ERR_NONFINITE_INPUT").run(FFI, _Lib(1, bad))
    assert why and "written" in why


def test_layer_replay_output_buffers_start_as_the_sentinel():
    import symverify.kernels_layers as KL

    with layers_gold.using_library(None, None):
        a = KL.np.empty(5, dtype=np.int32)
        f = KL.np.empty((2, 2), dtype=np.float32)
    assert (a == 0x5A5A5A5A).all()
    assert (f.view(np.uint32) == 0x5A5A5A5A).all()
    assert KL.np is np  # restored after the case
