"""The model file of shared/API.md: its one loader, its one list of layer
kinds and keys, and its one validation of values.

``symverify bounds`` (symverify.proofs.bounds), the model factory and the
validator all read a model file through :func:`read_model_file`, so a file is
either legal for all three or rejected with the same :class:`ModelFileError`
(file, line, layer, key, value, reason). Rules:

* top level: ``[[layer]]`` tables (at least one), an optional ``[training]``
  table and an optional free-form ``[meta]`` table; nothing else;
* every layer: ``name`` (unique, non-empty), ``kind`` (one of :data:`LAYER_KINDS`),
  the keys of its kind and an optional free-form ``meta`` table;
* an unknown key is an error, with the closest known key as a suggestion;
* values are checked whether or not a reader uses them (one domain for all).

Which keys a reader *needs* differs (``bounds`` needs a quant layer's
``x_bits``, the factory its ``q_max_bits``): :func:`require` checks them
against :attr:`Kind.analysis_keys` or :attr:`Kind.build_keys`.
"""
from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

INT32_MAX = (1 << 31) - 1
LN_MAX_FEATURES = 65535  # sym_layernorm checks F < 2^16
_MISSING = object()

#: (value) -> None if legal, else the reason it is not
Check = Callable[[Any], "str | None"]


class ModelFileError(ValueError):
    """A model file that cannot be used: names the file (and line), the layer,
    the key and the value. ``key`` is "-" for a file that cannot be read or parsed."""

    def __init__(self, path: str, layer: str | None, key: str, value: Any, message: str,
                 line: int | None = None) -> None:
        self.path, self.layer, self.key, self.value, self.line = path, layer, key, value, line
        self.message = message
        where = f"{path}:{line}" if line else path
        if layer is not None:
            where += f": layer {layer!r}"
        what = f"key {key!r}" + ("" if value is _MISSING else f" = {value!r}")
        super().__init__(f"{where}: {what}: {message}")


# ------------------------------------------------------------------ value checks
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def int_in(lo: int, hi: int, also: tuple[int, ...] = (), what: str = "") -> Check:
    """An integer in lo..hi (or one of ``also``)."""
    extra = "".join(f" or {a}" for a in also)

    def check(v: Any) -> str | None:
        if _is_int(v) and (lo <= v <= hi or v in also):
            return None
        return f"must be an integer in {lo}..{hi}{extra}" + (f" ({what})" if what else "")
    return check


def flag(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def choice(*names: str) -> Check:
    def check(v: Any) -> str | None:
        return None if v in names else f"must be one of {', '.join(repr(n) for n in names)}"
    return check


def positive_number(v: Any) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
    return None if ok else "must be a positive finite number"


def padding(*modes: str, pair: bool = True) -> Check:
    """An integer >= 0 (both sides), a [left, right] pair of them, or a named mode."""
    def check(v: Any) -> str | None:
        if _is_int(v) and 0 <= v <= INT32_MAX or v in modes:
            return None
        if pair and isinstance(v, list) and len(v) == 2 and all(_is_int(p) and 0 <= p <= INT32_MAX for p in v):
            return None
        forms = ["an integer >= 0"] + (["[left, right]"] if pair else []) + [repr(m) for m in modes]
        return "must be " + " or ".join(forms)
    return check


def table(v: Any) -> str | None:
    return None if isinstance(v, dict) else "must be a table (free-form notes)"


WIDTH = int_in(2, 16, what="operand, wire and gradient widths, docs/semantics.md")
PARAM_WIDTH = int_in(2, 31, what="a parameter converted by float_to_sym")
COUNT = int_in(1, INT32_MAX)
OFFSET = int_in(0, INT32_MAX)
ROUNDING = choice("half_away", "sr_half_away")


@dataclass(frozen=True)
class Kind:
    """One layer kind: its keys (check and default), what ``bounds`` needs
    (analysis_keys), what the factory needs (build_keys), and whether the
    factory / the training chain build it and ``bounds`` has an encoding.
    ``float_core``: the kernel computes in float32 from the mantissas and
    has no integer accumulator (``bounds`` reports FLOAT_CORE, not a gap)."""
    name: str
    keys: dict[str, tuple[Check, Any]]
    analysis_keys: tuple[str, ...] = ()
    build_keys: tuple[str, ...] = ()
    buildable: bool = False
    encoded: bool = True
    float_core: bool = False

    def default(self, key: str) -> Any:
        return self.keys[key][1]


def _k(check: Check, default: Any = None) -> tuple[Check, Any]:
    return check, default


_CONV = {"in_channels": _k(COUNT), "out_channels": _k(COUNT), "kernel_size": _k(COUNT), "stride": _k(COUNT, 1),
         "dilation": _k(COUNT, 1), "groups": _k(COUNT, 1), "bias": _k(flag, True), "x_bits": _k(WIDTH),
         "w_bits": _k(WIDTH), "b_bits": _k(PARAM_WIDTH, 16), "out_bits": _k(WIDTH), "dy_bits": _k(WIDTH),
         "rounding": _k(ROUNDING), "in_length": _k(COUNT), "batch": _k(COUNT)}
_POOL = {"kernel_size": _k(COUNT), "stride": _k(COUNT), "padding": _k(padding("same", pair=False), 0),
         "dilation": _k(COUNT, 1), "x_bits": _k(WIDTH), "dy_bits": _k(WIDTH)}
_LOSS = {"x_bits": _k(WIDTH), "grad_bits": _k(WIDTH), "reduction": _k(choice("mean", "sum"), "mean"),
         "rounding": _k(ROUNDING)}

#: The one list of layer kinds (shared/API.md and SPEC section 6).
LAYER_KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("linear", {"in_features": _k(COUNT), "out_features": _k(COUNT), "x_bits": _k(WIDTH), "w_bits": _k(WIDTH),
                    "bias": _k(flag, True), "b_bits": _k(PARAM_WIDTH, 16), "out_bits": _k(WIDTH),
                    "dy_bits": _k(WIDTH), "dx_bits": _k(WIDTH, 12), "grad_w_bits": _k(WIDTH, 16),
                    "grad_b_bits": _k(int_in(2, 16, also=(32,), what="32: raw"), 32), "batch": _k(COUNT),
                    "rounding": _k(ROUNDING)},
         analysis_keys=("in_features", "out_features", "x_bits", "w_bits"),
         build_keys=("in_features", "out_features", "x_bits", "w_bits"), buildable=True),
    Kind("quant", {"x_bits": _k(WIDTH), "q_max_bits": _k(WIDTH), "rounding": _k(ROUNDING)},
         analysis_keys=("x_bits",), build_keys=("q_max_bits",), buildable=True),
    Kind("layernorm", {"normalized_shape": _k(int_in(1, LN_MAX_FEATURES, what="sym_layernorm needs F < 2^16")),
                       "x_bits": _k(WIDTH), "gamma_bits": _k(WIDTH, 12), "beta_bits": _k(PARAM_WIDTH, 16),
                       "norm_bits": _k(WIDTH, 12), "eps": _k(positive_number, 1e-5), "dx_bits": _k(WIDTH, 12),
                       "rounding": _k(ROUNDING)},
         analysis_keys=("normalized_shape", "x_bits"), build_keys=("normalized_shape", "x_bits"), buildable=True),
    Kind("relu", {"x_bits": _k(WIDTH)}, analysis_keys=("x_bits",), buildable=True),
    Kind("conv1d", {**_CONV, "padding": _k(padding("valid", "same"), 0), "dx_bits": _k(WIDTH, 12),
                    "grad_w_bits": _k(WIDTH, 16)},
         analysis_keys=("in_channels", "out_channels", "kernel_size", "x_bits", "w_bits"),
         build_keys=("in_channels", "out_channels", "kernel_size", "x_bits", "w_bits"), buildable=True),
    Kind("conv_transpose1d", {**_CONV, "padding": _k(padding(pair=False), 0), "output_padding": _k(OFFSET, 0)},
         analysis_keys=("in_channels", "out_channels", "kernel_size", "x_bits", "w_bits")),
    Kind("maxpool1d", dict(_POOL), analysis_keys=("kernel_size", "x_bits"), build_keys=("kernel_size",),
         buildable=True),
    Kind("avgpool1d", {**_POOL, "count_include_pad": _k(flag, True)}, analysis_keys=("kernel_size", "x_bits")),
    Kind("adaptive_avgpool1d", {"in_length": _k(COUNT), "output_size": _k(COUNT), "x_bits": _k(WIDTH),
                                "dy_bits": _k(WIDTH)},
         analysis_keys=("in_length", "output_size", "x_bits"), build_keys=("output_size",), buildable=True),
    Kind("softmax", {"x_bits": _k(WIDTH), "out_bits": _k(WIDTH, 12), "rounding": _k(ROUNDING)}, encoded=False,
         buildable=True, float_core=True),
    Kind("cross_entropy", dict(_LOSS), encoded=False, buildable=True, float_core=True),
    Kind("mse", dict(_LOSS), encoded=False, float_core=True),
    Kind("sgd", {"lr": _k(positive_number), "rounding": _k(ROUNDING, "sr_half_away")}, encoded=False,
         float_core=True),
)}
COMMON_LAYER_KEYS = ("name", "kind", "meta")

TRAINING_KEYS: dict[str, tuple[Check, Any]] = {
    "lr": _k(positive_number, 0.05), "grad_bits": _k(WIDTH, 12), "rounding": _k(ROUNDING, "half_away"),
    "sgd_rounding": _k(ROUNDING, "sr_half_away"), "order": _k(choice("ratio", "clamp_first"), "ratio"),
    "seed": _k(int_in(0, (1 << 32) - 1), 0), "batch": _k(COUNT)}
TOP_KEYS = ("layer", "training", "meta")


# ------------------------------------------------------------------ the loaded file
@dataclass
class ModelFile:
    """A model file that passed :func:`read_model_file`: ``layers`` and
    ``training`` hold the values as written (no defaults filled in)."""
    path: str
    data: dict
    layers: list[dict]
    training: dict
    meta: dict
    text: str | None = field(default=None, repr=False)

    def line_of(self, index: int | None, key: str, table: str | None = None) -> int | None:
        """1-based line of ``key = ...`` in the index-th [[layer]], else in the
        ``[table]`` section, else anywhere (``"[name]"``: that table's head);
        None if the text is unknown or the key is not written out."""
        if self.text is None:
            return None
        return _line_of(self.text, index, key, table)

    def error(self, index: int | None, key: str, value: Any, message: str) -> ModelFileError:
        """A :class:`ModelFileError` for layer ``index`` (None: file level)."""
        layer = None
        if index is not None:
            layer = str(self.layers[index].get("name") or f"#{index + 1}")
        return ModelFileError(self.path, layer, key, value, message, self.line_of(index, key))


def _line_of(text: str, index: int | None, key: str, table: str | None = None) -> int | None:
    lines = text.splitlines()
    start, end = 0, len(lines)
    if table is not None:
        head = next((i for i, ln in enumerate(lines) if re.match(rf"\s*\[\s*{re.escape(table)}\s*\]", ln)), None)
        if head is not None:
            start = head
            nxt = [i for i in range(start + 1, len(lines)) if re.match(r"\s*\[", lines[i])]
            end = nxt[0] if nxt else len(lines)
    elif index is not None:
        heads = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*layer\s*\]\]", ln)]
        if index >= len(heads):
            return None
        start = heads[index]
        nxt = [i for i in range(start + 1, len(lines)) if re.match(r"\s*\[", lines[i])]
        end = nxt[0] if nxt else len(lines)
    elif key.startswith("["):
        pat = re.compile(rf"\s*{re.escape(key)}")
        return next((i + 1 for i, ln in enumerate(lines) if pat.match(ln)), None)
    pat = re.compile(rf"\s*{re.escape(key)}\s*=")
    for i in range(start, end):
        if pat.match(lines[i]):
            return i + 1
    return start + 1 if index is not None else None


def _suggest(key: str, known: list[str]) -> str:
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _read_text(source: str | Path) -> tuple[str, str]:
    path = str(source)
    p = Path(source)
    try:
        raw = p.read_bytes()
    except IsADirectoryError:
        raise ModelFileError(path, None, "-", _MISSING, "is a directory, not a model file") from None
    except FileNotFoundError:
        raise ModelFileError(path, None, "-", _MISSING, "no such file") from None
    except OSError as exc:
        raise ModelFileError(path, None, "-", _MISSING, f"cannot read the file: {exc.strerror}") from None
    try:
        return path, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(path, None, "-", _MISSING,
                             f"not a UTF-8 text file (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                             "a model file is TOML") from None


def _looks_like_toml(s: str) -> bool:
    return "\n" in s or "=" in s or s.lstrip().startswith("[")


def read_model_file(source: str | Path | dict) -> ModelFile:
    """Load and check a model file: a path (``Path``, or a ``str`` that is not
    TOML text), TOML text, or an already parsed dict. Raises
    :class:`ModelFileError` on the first problem; nothing is built."""
    text: str | None = None
    if isinstance(source, dict):
        path, data = "<dict>", source
    else:
        if isinstance(source, Path) or not _looks_like_toml(str(source)):
            path, text = _read_text(source)
        else:
            path, text = "<string>", str(source)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ModelFileError(path, None, "-", _MISSING, f"not valid TOML: {exc}",
                                 int(m.group(1)) if m else None) from None
    mf = ModelFile(path, data, [], {}, {}, text)
    layers = data.get("layer")
    if not isinstance(layers, list) or not layers:
        raise ModelFileError(path, None, "layer", _MISSING if layers is None else layers,
                             "the model needs at least one [[layer]] table", mf.line_of(None, "layer"))
    if not all(isinstance(layer, dict) for layer in layers):
        raise ModelFileError(path, None, "layer", layers, "every 'layer' must be a [[layer]] table",
                             mf.line_of(None, "layer"))
    for key in data:
        if key not in TOP_KEYS:
            raise ModelFileError(path, None, key, data[key], "unknown top-level key" + _suggest(key, list(TOP_KEYS))
                                 + f"; a model file has {', '.join(TOP_KEYS)} (free-form notes go in [meta])",
                                 mf.line_of(None, key) or mf.line_of(None, f"[{key}]"))
    meta = data.get("meta", {})
    if table(meta):
        raise ModelFileError(path, None, "meta", meta, table(meta), mf.line_of(None, "meta"))
    mf.meta = meta
    training = data.get("training", {})
    if not isinstance(training, dict):
        raise ModelFileError(path, None, "training", training, "must be a [training] table", mf.line_of(None, "training"))
    for key, v in training.items():
        if key not in TRAINING_KEYS:
            raise ModelFileError(path, None, key, v, "unknown key in [training]" + _suggest(key, list(TRAINING_KEYS))
                                 + f"; known: {', '.join(TRAINING_KEYS)}", mf.line_of(None, key, "training"))
        why = TRAINING_KEYS[key][0](v)
        if why:
            raise ModelFileError(path, None, key, v, f"[training] {key} {why}", mf.line_of(None, key, "training"))
    mf.training = training
    mf.layers = layers
    names: set[str] = set()
    for i, layer in enumerate(layers):
        _check_layer(mf, i, layer, names)
    return mf


def _check_layer(mf: ModelFile, i: int, layer: dict, names: set[str]) -> None:
    name = layer.get("name", _MISSING)
    if not isinstance(name, str) or not name:
        raise ModelFileError(mf.path, f"#{i + 1}", "name", name, "a non-empty string is required",
                             mf.line_of(i, "name"))
    if name in names:
        raise mf.error(i, "name", name, "layer names must be unique")
    names.add(name)
    kind = layer.get("kind", _MISSING)
    if kind not in LAYER_KINDS:
        known = list(LAYER_KINDS)
        near = _suggest(kind, known) if isinstance(kind, str) else ""
        raise mf.error(i, "kind", kind, ("unknown kind" if kind is not _MISSING else "required key is missing")
                       + near + f"; known: {', '.join(known)}")
    spec = LAYER_KINDS[kind]
    for key, v in layer.items():
        if key in ("name", "kind"):
            continue
        if key == "meta":
            if table(v):
                raise mf.error(i, key, v, table(v))
            continue
        if key not in spec.keys:
            known = list(spec.keys) + list(COMMON_LAYER_KEYS)
            raise mf.error(i, key, v, f"unknown key for kind {kind!r}" + _suggest(key, known)
                           + f"; keys of {kind}: {', '.join(spec.keys)} (free-form notes go in a meta table)")
        why = spec.keys[key][0](v)
        if why:
            raise mf.error(i, key, v, why)
    if kind in ("conv1d", "conv_transpose1d"):
        _check_conv_geometry(mf, i, layer)


#: conv_geometry argument -> the model-file key that sets it
_GEOMETRY_KEY = {"w": "kernel_size", "x": "in_length", "out_length": "in_length", "padding[0]": "padding",
                 "padding[1]": "padding"}


def _check_conv_geometry(mf: ModelFile, i: int, layer: dict) -> None:
    """The geometry rules of docs/layers.md "Conv1d" across keys (groups
    divide the channels, "same" needs stride 1, output_padding range, the
    kernel fits the padded input when in_length is given), by the same
    function the kernels use; the error names the key."""
    from symverify.conv_geometry import conv1d_geometry, conv_transpose1d_geometry
    from symverify.errors import SymError

    needed = ("in_channels", "out_channels", "kernel_size")
    if any(k not in layer for k in needed):
        return  # require() reports the missing key
    c_in, c_out, kk = (layer[k] for k in needed)
    g, s, d = layer.get("groups", 1), layer.get("stride", 1), layer.get("dilation", 1)
    pad = layer.get("padding", 0)
    pad = tuple(pad) if isinstance(pad, list) else pad
    try:
        if layer["kind"] == "conv1d":
            length = layer.get("in_length", d * (kk - 1) + 1)
            conv1d_geometry((1, c_in, length), (c_out, max(c_in // g, 1), kk), s, pad, d, g)
        else:
            length = layer.get("in_length", 1 + 2 * (pad if isinstance(pad, int) else 0))
            conv_transpose1d_geometry((1, c_in, length), (c_in, max(c_out // g, 1), kk), s, pad,
                                      layer.get("output_padding", 0), d, g)
    except SymError as exc:
        key = _GEOMETRY_KEY.get(exc.argument, exc.argument)
        raise mf.error(i, key, layer.get(key), str(exc.rule)) from None


def require(mf: ModelFile, keys_of: str) -> None:
    """Every layer has the keys its kind needs for ``keys_of`` ("analysis": the
    ``bounds`` encoding; "build": the factory), else :class:`ModelFileError`."""
    for i, layer in enumerate(mf.layers):
        spec = LAYER_KINDS[layer["kind"]]
        for key in (spec.analysis_keys if keys_of == "analysis" else spec.build_keys):
            if key not in layer:
                raise ModelFileError(mf.path, layer["name"], key, _MISSING,
                                     f"required key is missing (kind {spec.name!r} needs "
                                     f"{', '.join(spec.analysis_keys if keys_of == 'analysis' else spec.build_keys)})",
                                     mf.line_of(i, "[[layer]]"))


def value(layer: dict, key: str) -> Any:
    """The layer's value for ``key``, or its kind's default."""
    return layer.get(key, LAYER_KINDS[layer["kind"]].default(key))


# ------------------------------------------------------------------ shapes
_FEATURE_KEY = {"linear": "in_features", "layernorm": "normalized_shape"}


def features_in(layer: dict) -> int | None:
    """Feature count a layer expects, where the kind fixes one (else None)."""
    key = _FEATURE_KEY.get(layer["kind"])
    return layer.get(key) if key else None


def features_out(layer: dict, features: int | None) -> int | None:
    """Feature count a layer emits given its input's (None: unknown)."""
    kind = layer["kind"]
    if kind == "linear":
        return layer.get("out_features")
    if kind == "layernorm":
        return layer.get("normalized_shape")
    if kind in ("quant", "relu"):
        return features
    return None  # conv / pools / losses: not a feature vector this check follows


def shape_mismatches(layers: list[dict]) -> list[tuple[int, str, int, str, int]]:
    """Consecutive layers whose feature counts do not chain:
    (index, key, value, previous layer's name, features it emits)."""
    out = []
    features: int | None = None
    source = ""
    for i, layer in enumerate(layers):
        want = features_in(layer)
        if features is not None and want is not None and want != features:
            out.append((i, _FEATURE_KEY[layer["kind"]], want, source, features))
        nxt = features_out(layer, features)
        if nxt is not None and layer["kind"] not in ("quant", "relu"):
            source = layer["name"]
        features = nxt
    return out
