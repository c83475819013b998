"""The kernel build: caching, variants, failure messages."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from symverify import build


def test_compile_is_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "one.c"
    src.write_text("int one(void) { return 1; }\n")
    first = build.compile_shared([src], include_dirs=[tmp_path], name="t")
    mtime = first.stat().st_mtime_ns
    again = build.compile_shared([src], include_dirs=[tmp_path], name="t")
    assert again == first and again.stat().st_mtime_ns == mtime
    src.write_text("int one(void) { return 2; }\n")
    changed = build.compile_shared([src], include_dirs=[tmp_path], name="t")
    assert changed != first


def test_flags_are_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "one.c"
    src.write_text("int one(void) { return 1; }\n")
    plain = build.compile_shared([src], include_dirs=[tmp_path], name="t")
    flagged = build.compile_shared([src], include_dirs=[tmp_path], name="t", extra_flags=["-DX=1"])
    assert plain != flagged


def test_compile_error_is_reported_with_compiler_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "bad.c"
    src.write_text("int f(void) { int unused; return 0; }\n")  # -Werror turns the warning into an error
    with pytest.raises(build.BuildError, match="unused"):
        build.compile_shared([src], include_dirs=[tmp_path], name="t")
    assert not list((tmp_path / "cache").glob("*.so")), "a failed build must leave no library behind"


def test_missing_compiler_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CC", raising=False)
    with pytest.raises(build.BuildError, match="no C compiler found"):
        build.find_compiler()


def test_unknown_variant_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown build variant 'fast'"):
        build.check_variant("fast")


def test_release_flags_match_the_bit_exactness_contract() -> None:
    for flag in ("-std=c99", "-Werror", "-ffp-contract=off", "-fno-fast-math"):
        assert flag in build.BASE_FLAGS
    assert "-fsanitize=float-cast-overflow" in build.VARIANT_FLAGS["sanitize"]
    assert "-fno-sanitize-recover=all" in build.VARIANT_FLAGS["sanitize"]


def test_cdef_strips_preprocessor_lines_only() -> None:
    cdef = build.cdef_from_headers(build.kernel_headers())
    assert "#" not in cdef
    assert "int sym_requant_dynamic(" in cdef
    assert "SYM_ERR_BAD_SCALE = -4" in cdef


def test_sanitizer_env_preloads_libasan() -> None:
    env = build.sanitizer_env({})
    assert env["SYMVERIFY_VARIANT"] == "sanitize"
    assert os.path.basename(env["LD_PRELOAD"]).startswith("libasan.so")
    assert os.path.exists(env["LD_PRELOAD"])
