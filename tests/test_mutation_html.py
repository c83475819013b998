"""``symverify mutate --html``: the page embeds the pinned
mutation-testing-elements bundle with its license, a report JSON that is the
--json report, and the tables as the <noscript> fallback."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from _sarif import validate_sarif
from symverify.mutants import mte_bundle

REPO = Path(__file__).resolve().parents[1]


class _Scripts(HTMLParser):
    """Collects <script> bodies with their attributes, and the <noscript> text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[tuple[dict, str]] = []
        self.noscript = ""
        self._in: str | None = None
        self._attrs: dict = {}
        self._buf: list[str] = []
        self.tags: list[str] = []
        self.noscript_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if self._in == "noscript":
            self.noscript_tags.append(tag)
        if tag in ("script", "noscript") and self._in is None:
            self._in, self._attrs, self._buf = tag, dict(attrs), []

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._attrs, text))
            else:
                self.noscript = text
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    out = {"json": tmp / "m.json", "html": tmp / "m.html", "sarif": tmp / "m.sarif"}
    proc = subprocess.run([sys.executable, "-m", "symverify", "mutate", "-q", "--operator", "SCALE_FREEZE",
                           "--operator", "GUARD", "--no-sanitize", *[a for k, p in out.items() for a in (f"--{k}", p)]],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_the_vendored_bundle_is_the_pinned_file():
    assert hashlib.sha256(mte_bundle.BUNDLE.read_bytes()).hexdigest() == mte_bundle.SHA256
    assert "Apache License" in mte_bundle.license_text()
    assert f"**{mte_bundle.VERSION}**" in (mte_bundle.DIR / "README.md").read_text()


def test_page_embeds_the_pinned_bundle_and_the_report(page):
    text = page["html"].read_text()
    p = _Scripts()
    p.feed(text)
    assert "mutation-test-report-app" in p.tags
    by_id = {a.get("id"): body for a, body in p.scripts}
    bundle_scripts = [body for a, body in p.scripts if a.get("data-bundle") == f"mutation-testing-elements@{mte_bundle.VERSION}"]
    assert len(bundle_scripts) == 1
    assert mte_bundle.bundle() in bundle_scripts[0]  # byte for byte: the pinned file, inlined
    assert "Apache License" in bundle_scripts[0].split("*/")[0]  # its license in front of it
    assert not re.search(r"<script[^>]+src=", text), "no external script: the page works offline"
    report = json.loads(by_id["mte-report"])
    assert report == {**json.loads(page["json"].read_text()), "config": report["config"]}
    assert report["schemaVersion"] == "2" and report["files"]
    muts = [m for f in report["files"].values() for m in f["mutants"]]
    assert muts and {m["status"] for m in muts} <= {"Killed", "Timeout", "Ignored", "CompileError"}
    assert set(report["config"]["stamp"]) >= {"version", "z3", "compiler", "git_revision"}
    assert "mutation score" in p.noscript.lower() and "table" in p.noscript_tags and "h2" in p.noscript_tags
    assert "Per operator" in p.noscript and "SCALE_FREEZE" in p.noscript


def test_html_report_json_cannot_break_out_of_its_script():
    from symverify.mutants.report import _script_json
    text = _script_json({"s": "</script><script>alert(1)</script><!--"})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"s": "</script><script>alert(1)</script><!--"}


def test_sarif_of_the_same_run(page):
    log = json.loads(page["sarif"].read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["properties"]["passed"] > 0


def test_a_tampered_bundle_is_refused_before_the_run(tmp_path, monkeypatch):
    fake = tmp_path / "b.js"
    fake.write_text("console.log(1)")
    monkeypatch.setattr(mte_bundle, "BUNDLE", fake)
    mte_bundle.bundle.cache_clear()
    try:
        with pytest.raises(mte_bundle.BundleError, match="pinned"):
            mte_bundle.bundle()
    finally:
        mte_bundle.bundle.cache_clear()


CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium-headless-shell)")
def test_headless_chromium_renders_the_app(page, tmp_path):
    shot = tmp_path / "report.png"
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", page["html"].as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the custom element is defined and upgraded (the bundle ran offline); shadow content is not in dump-dom
    assert "<mutation-test-report-app" in dom.stdout
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--virtual-time-budget=5000", "--window-size=1280,900", f"--screenshot={shot}",
                           page["html"].as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    width, height, pixels = _png_rgb(shot.read_bytes())
    assert (width, height) == (1280, 900)
    ink = sum(1 for r, g, b in pixels if r + g + b < 600) / len(pixels)
    score_bar = sum(1 for r, g, b in pixels if g > 140 and r < 60 and b < 100) / len(pixels)
    # the app drew its tables and the green 100 % score bar; with the script broken the page is blank
    # (the <noscript> tables only show with JavaScript off)
    assert ink > 0.02 and score_bar > 0.01, (ink, score_bar)


def _png_rgb(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB / RGBA PNG (what chromium writes) to RGB pixels."""
    import struct
    import zlib
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            b = prev[i]
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    pixels = [(row[x], row[x + 1], row[x + 2]) for row in rows for x in range(0, stride, bpp)]
    return width, height, pixels
