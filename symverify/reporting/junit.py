"""JUnit XML (the Ant/Surefire dialect CI systems read: GitLab, Jenkins,
GitHub test reporters): one <testsuite> per Case.suite, one <testcase> per case."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .cases import Case
from .locate import shown_path


def _suite_element(name: str, cases: list[Case]) -> ET.Element:
    suite = ET.Element("testsuite", {
        "name": name, "tests": str(len(cases)),
        "failures": str(sum(c.outcome == "fail" for c in cases)), "errors": "0",
        "skipped": str(sum(c.outcome == "skip" for c in cases)),
        "time": f"{sum(c.seconds for c in cases):.3f}"})
    for c in cases:
        attrs = {"classname": f"symverify.{name}", "name": c.name, "time": f"{c.seconds:.3f}"}
        if c.location is not None:
            attrs["file"] = shown_path(c.location.path)
            if c.location.line is not None:
                attrs["line"] = str(c.location.line)
        case = ET.SubElement(suite, "testcase", attrs)
        if c.outcome == "fail":
            fail = ET.SubElement(case, "failure", {"message": c.message, "type": c.rule})
            fail.text = c.message + "".join(f"\n{k}: {v if isinstance(v, str) else json.dumps(v, default=str)}"
                                            for k, v in c.properties.items())
        elif c.outcome == "skip":
            ET.SubElement(case, "skipped", {"message": c.message})
    return suite


def to_junit(cases: Iterable[Case], name: str) -> ET.Element:
    """A <testsuites name=NAME> element over ``cases`` grouped by suite (in first-seen order)."""
    groups: dict[str, list[Case]] = {}
    for c in cases:
        groups.setdefault(c.suite, []).append(c)
    root = ET.Element("testsuites", {"name": name})
    for suite, members in groups.items():
        root.append(_suite_element(suite, members))
    _total(root)
    return root


def merge_junit(documents: Iterable[ET.Element], name: str) -> ET.Element:
    """One <testsuites> holding the <testsuite> elements of several documents
    (``symverify check`` joins the reports of its parts)."""
    root = ET.Element("testsuites", {"name": name})
    for doc in documents:
        suites = [doc] if doc.tag == "testsuite" else list(doc.iter("testsuite"))
        root.extend(suites)
    _total(root)
    return root


def _total(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root.findall("testsuite"))))
    root.set("time", f"{sum(float(s.get('time', '0')) for s in root.findall('testsuite')):.3f}")


def junit_text(root: ET.Element) -> str:
    """Serialised XML with declaration, indented for a readable CI artefact."""
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
