"""The vendored mutation-testing-elements bundle (mutants/vendor/): its pinned
version, its hash, and the checks that make it safe to inline in a page."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

VERSION = "3.9.0"
SHA256 = "751fb010242b0b44e32d84fe7fe0b9ff1da182823b94f59f5c52b001fcfc163b"
DIR = Path(__file__).parent / "vendor" / "mutation-testing-elements"
BUNDLE = DIR / "mutation-test-elements.js"
LICENSE = DIR / "LICENSE"


class BundleError(RuntimeError):
    """The vendored bundle is missing or is not the pinned file."""


@lru_cache(maxsize=1)
def bundle() -> str:
    """The pinned bundle's text; BundleError if it is absent or its sha256 differs."""
    try:
        data = BUNDLE.read_bytes()
    except OSError as exc:
        raise BundleError(f"mutation-testing-elements bundle {BUNDLE} cannot be read: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise BundleError(f"mutation-testing-elements bundle {BUNDLE}: sha256 {digest}, pinned {SHA256} "
                          f"(version {VERSION}; see {DIR / 'README.md'})")
    text = data.decode("utf-8")
    if "</script" in text.lower() or "<script" in text.lower():
        raise BundleError(f"{BUNDLE} contains a <script tag text: it cannot be inlined as is")
    return text


def license_text() -> str:
    """The bundle's license (Apache-2.0), for the comment in front of it."""
    return LICENSE.read_text(encoding="utf-8")
