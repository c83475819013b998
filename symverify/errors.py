"""Status codes of the C kernels and the Python exception that carries them.

The table mirrors ``kernels/include/sym_status.h``; a test checks both agree
through the compiled library's ``sym_status_name``.
"""
from __future__ import annotations

from typing import Any

STATUS_NAMES: dict[int, str] = {
    0: "SYM_OK",
    -1: "SYM_ERR_NULL",
    -2: "SYM_ERR_EMPTY",
    -3: "SYM_ERR_BAD_WIDTH",
    -4: "SYM_ERR_BAD_SCALE",
    -5: "SYM_ERR_NONFINITE_INPUT",
    -6: "SYM_ERR_SCALE_UNDERFLOW",
    -7: "SYM_ERR_FLOAT_OVERFLOW",
    -8: "SYM_ERR_RANGE_GUARD",
    -9: "SYM_ERR_INT_OVERFLOW",
    -10: "SYM_ERR_ALIAS",
    -11: "SYM_ERR_BAD_ROUNDING",
    -12: "SYM_ERR_CAST_RANGE",
    -13: "SYM_ERR_SHAPE",
    -14: "SYM_ERR_BAD_RNG",
    -15: "SYM_ERR_BAD_ORDER",
    -16: "SYM_ERR_BAD_TYPE",
    -17: "SYM_ERR_FP_ENV",
}
STATUS_CODES: dict[str, int] = {name: code for code, name in STATUS_NAMES.items()}


class SymError(ValueError):
    """A SYM kernel rejected its input.

    ``code`` is the C status name (e.g. ``"SYM_ERR_BAD_SCALE"``), ``status`` its
    integer value, ``argument`` the offending argument, ``value`` its value and
    ``rule`` the rule it broke. Both backends raise the same code for the same
    input.
    """

    def __init__(self, code: str, argument: str, value: Any, rule: str) -> None:
        if code not in STATUS_CODES:
            raise KeyError(f"unknown SYM status name {code!r}")
        self.code = code
        self.status = STATUS_CODES[code]
        self.argument = argument
        self.value = value
        self.rule = rule
        super().__init__(f"{code}: argument {argument!r} = {value!r}: {rule}")
