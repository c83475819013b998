"""The conv golden vectors (goldgen/vectors/conv.json) replayed on the C
kernels bit for bit: mantissas, scale bit patterns, status, RNG state."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import symverify as sv
from symverify.goldgen import conv_fixtures
from symverify.goldgen.vecformat import strip_comments

VECTORS = json.loads((Path(conv_fixtures.__file__).parent / "vectors" / "conv.json").read_text())


def test_vectors_cover_every_conv_kernel_and_both_outcomes() -> None:
    kernels = {v["kernel"] for v in VECTORS["vectors"]}
    assert kernels == set(conv_fixtures.CONV_KERNELS)
    statuses = {v["expect"]["status"] for v in VECTORS["vectors"]}
    assert "SYM_OK" in statuses and len(statuses) >= 4


@pytest.mark.parametrize("record", VECTORS["vectors"], ids=[v["name"] for v in VECTORS["vectors"]])
def test_c_kernels_reproduce_the_vector(record: dict[str, Any]) -> None:
    got = conv_fixtures.evaluate(record["kernel"], record["args"], sv.kernels)
    assert got == strip_comments(record["expect"])
