"""The official SARIF 2.1.0 JSON schema (tests/data/sarif, OASIS) as a validator."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"


def validate_sarif(log: dict) -> None:
    """Raise jsonschema.ValidationError unless ``log`` is valid SARIF 2.1.0."""
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
