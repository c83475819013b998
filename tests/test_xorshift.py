"""The one xorshift32 (symverify/xorshift.py): known values, the inverse, the
Z3 bit-vector use, and no second definition in the import root."""

from __future__ import annotations

import ast
import random

import z3

from symverify.proofs import fp
from symverify.xorshift import xorshift32, xorshift32_inverse
from test_import_graph import REPO, module_files

# Marsaglia xorshift32 (13, 17, 5) from seed 1, and states whose top bit is set
# (where an arithmetic right shift would differ from the logical one)
SEED1 = [270369, 67634689, 2647435461, 307599695, 2398689233]


def _sequence(step, seed: int, n: int) -> list[int]:
    out, s = [], seed
    for _ in range(n):
        s = step(s)
        out.append(s)
    return out


def test_known_sequence_from_seed_1() -> None:
    assert _sequence(xorshift32, 1, 5) == SEED1


def test_z3_bitvector_step_equals_the_int_step() -> None:
    rnd = random.Random(12)
    states = [1, 0x80000000, 0xFFFFFFFF, 0xDEADBEEF] + [rnd.getrandbits(32) | 0x80000000 for _ in range(200)]
    for s in states:
        got = z3.simplify(fp.xorshift32(z3.BitVecVal(s, 32))).as_long()
        assert got == xorshift32(s), hex(s)
    assert _sequence(lambda s: z3.simplify(fp.xorshift32(z3.BitVecVal(s, 32))).as_long(), 1, 5) == SEED1


def test_inverse_undoes_the_step() -> None:
    rnd = random.Random(7)
    for s in [1, 0x80000000, 0xFFFFFFFF] + [rnd.getrandbits(32) or 1 for _ in range(2000)]:
        assert xorshift32(xorshift32_inverse(s)) == s
        assert xorshift32_inverse(xorshift32(s)) == s
    assert xorshift32_inverse(SEED1[0]) == 1


def _shifts_13_17_5(fn: ast.FunctionDef) -> bool:
    consts = {n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and isinstance(n.value, int)}
    shifts = any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.LShift, ast.RShift)) for n in ast.walk(fn))
    return shifts and {13, 17, 5} <= consts


def test_no_second_definition_in_the_import_root() -> None:
    """A function shifting by 13, 17 and 5 outside symverify/xorshift.py is a
    copy of the step (or of its inverse) that could drift from it."""
    copies = []
    for mod, (path, _) in module_files(REPO).items():
        if mod == "symverify.xorshift":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _shifts_13_17_5(node):
                copies.append(f"{mod}.{node.name}")
    assert not copies, f"xorshift32 defined again: {copies}"
