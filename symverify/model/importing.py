"""What the ONNX and PyTorch importers share: operand-width defaults, the
side TOML of per-layer overrides, and the error an unsupported operator
raises. An importer yields model-file layer records (shared/API.md keys);
:func:`model_dict` turns them into the dict that
symverify.model.modelfile.read_model_file checks like any TOML model file."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .modelfile import LAYER_KINDS, ModelFileError

DEFAULT_X_BITS = 12
DEFAULT_W_BITS = 12
_MISSING = object()


class UnsupportedOpError(ModelFileError):
    """The model holds operators with no SYM layer kind; ``ops`` lists
    (op type, node name) of every one of them, not just the first."""

    def __init__(self, path: str, ops: list[tuple[str, str]], supported: list[str]) -> None:
        self.ops = ops
        listed = ", ".join(f"{op} (node {name!r})" for op, name in ops)
        super().__init__(path, None, "op", _MISSING,
                         f"unsupported operator(s): {listed}; supported: {', '.join(supported)}")


@dataclass
class ImportedLayer:
    """One layer record plus where it came from (the node / module it maps)."""
    record: dict[str, Any]
    source: dict[str, Any] = field(default_factory=dict)


def width_keys(kind: str, x_bits: int, w_bits: int) -> dict[str, int]:
    """The operand-width keys a kind takes, at the given defaults."""
    keys = LAYER_KINDS[kind].keys
    out = {}
    if "x_bits" in keys:
        out["x_bits"] = x_bits
    if "w_bits" in keys:
        out["w_bits"] = w_bits
    return out


def read_overrides(path: Path | None) -> dict[str, dict[str, Any]]:
    """The side TOML: one ``[layer.NAME]`` table of model-file keys per layer
    to override (e.g. ``x_bits = 16``, ``batch = 32``, ``dy_bits = 12``).
    Raises ModelFileError for a file that is not such a TOML."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(str(path), None, "-", _MISSING, "no such file (overrides)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(str(path), None, "-", _MISSING, f"cannot read the overrides file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(str(path), None, "-", _MISSING, f"not valid TOML: {exc}") from None
    extra = [k for k in data if k != "layer"]
    if extra:
        raise ModelFileError(str(path), None, extra[0], data[extra[0]],
                             "unknown top-level key; an overrides file has only [layer.NAME] tables")
    layers = data.get("layer", {})
    if not isinstance(layers, dict) or not all(isinstance(v, dict) for v in layers.values()):
        raise ModelFileError(str(path), None, "layer", layers, "must be [layer.NAME] tables of keys")
    return layers


def apply_overrides(layers: list[ImportedLayer], overrides: dict[str, dict[str, Any]], path: Path | None) -> None:
    """Merge the overrides into the records; a name no layer has is an error
    (a misspelt override cannot pass silently)."""
    names = [lay.record["name"] for lay in layers]
    for name, keys in overrides.items():
        if name not in names:
            raise ModelFileError(str(path), name, "layer", name,
                                 f"no layer of this name in the model; layers: {', '.join(names)}")
        rec = layers[names.index(name)].record
        for key, val in keys.items():
            if key in ("name", "kind"):
                raise ModelFileError(str(path), name, key, val, "the name and kind come from the model")
            rec[key] = val


def unique_name(wanted: str, taken: set[str], fallback: str) -> str:
    """``wanted`` (or ``fallback`` if empty), made unique with a numeric suffix."""
    base = wanted or fallback
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def model_dict(layers: list[ImportedLayer], source: str) -> dict[str, Any]:
    """The model-file dict of the records (``meta.source`` names the import)."""
    return {"layer": [lay.record for lay in layers], "meta": {"source": source}}
