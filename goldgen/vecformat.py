"""The value encoding shared by every golden-vector file and its readers.

Float32 values are stored as bit patterns (``"0x40200000"``), binary64 ones as
16 hex digits, and ``*_dec`` fields are human-readable comments, not data.
The primitive writer (:mod:`.generate`), the layer catalog
(:mod:`.layer_fixtures`), the layer header (:mod:`.layers_header`) and the
mutation gold suite decode through here, so none of them imports another's
writer.
"""
from __future__ import annotations

import struct
from typing import Any

import numpy as np

#: Version of the golden semantics the emulator implements. Bump it when the
#: emulator's results change on purpose (then regenerate and review the diff).
EMULATOR_VERSION = "1.0.0"
FORMAT_VERSION = 1


class FixtureError(ValueError):
    """The catalog is refused: a non-vacuity self-check failed, or a fixture is malformed."""


# --------------------------------------------------------------------------- decoding
def f32_from_hex(text: str) -> np.float32:
    if not (isinstance(text, str) and text.startswith("0x") and len(text) == 10):
        raise FixtureError(f"expected a float32 bit pattern '0xXXXXXXXX', got {text!r}")
    return np.array(int(text, 16), dtype=np.uint32).view(np.float32)[()]


def float_from_hex(text: str) -> float:
    """A float argument: 8 hex digits = float32, 16 hex digits = binary64."""
    if isinstance(text, str) and text.startswith("0x") and len(text) == 18:
        return struct.unpack(">d", bytes.fromhex(text[2:]))[0]
    return float(f32_from_hex(text))


def hex32(value: Any) -> str:
    return f"0x{int(np.array(value, dtype=np.float32).view(np.uint32)):08X}"


def dec32(value: Any) -> str:
    """Human-readable shortest decimal of a float32 (comment field only)."""
    return str(np.float32(value))


def strip_comments(obj: Any) -> Any:
    """Drop the human-readable ``*_dec`` fields (they are not data)."""
    if isinstance(obj, dict):
        return {k: strip_comments(v) for k, v in obj.items() if not k.endswith("_dec")}
    if isinstance(obj, list):
        return [strip_comments(v) for v in obj]
    return obj
