"""Status codes of the C kernels and the Python exception that carries them.

:data:`STATUS_NAMES` is the one status table of the Python side; every C
status -> name / :class:`SymError` mapping goes through :func:`status_name`
and :func:`raise_for_status`. The table mirrors ``enum sym_status`` of
``kernels/include/sym_status.h``: tests/test_status_table.py parses that
header (and the name array of ``kernels/src/sym_status.c``) and fails on any
status missing here, and the compiled library's ``sym_status_name`` is
checked against it as well.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

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

#: status name -> thunk returning (argument, value, rule) for a raised SymError
Describe = Mapping[str, Callable[[], "tuple[str, Any, str]"]]


def status_name(status: int) -> str:
    """The name of a C status code; ``SYM_ERR_UNKNOWN(<code>)`` for a code
    outside the table (never raises)."""
    return STATUS_NAMES.get(int(status), f"SYM_ERR_UNKNOWN({int(status)})")


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


def raise_for_status(status: int, where: str, describe: Describe | None = None) -> None:
    """Return for status 0, else raise the :class:`SymError` of the C status
    that function ``where`` returned. ``describe`` maps a status name to a
    thunk giving (argument, value, rule); a status it does not describe names
    ``where`` and the code, and a code outside the table is
    ``SYM_ERR_BAD_TYPE`` ("returned an unknown status")."""
    if status == 0:
        return
    name = STATUS_NAMES.get(int(status))
    if name is None:
        raise SymError("SYM_ERR_BAD_TYPE", where, int(status), f"{where} returned an unknown status")
    thunk = (describe or {}).get(name)
    if thunk is None:
        raise SymError(name, where, int(status), f"{where} rejected its input ({name})")
    argument, value, rule = thunk()
    raise SymError(name, argument, value, rule)
