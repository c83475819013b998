"""Instructions per training sample: one full SYM step of a model file
against a float32 build of the same step, on the same core.

SYM side: the step of ``symverify train`` (:class:`symverify.training.loop.SymTrainer`,
batch 1: the input's float -> SYM conversion, forward, MSE loss, backward,
SGD with SR write-back) runs once on the host C kernels with every kernel
call recorded. The calls become a vector set (goldgen's encoding; expected
outputs from the host C kernels), rendered as the header of each family
it calls (``convert`` and ``layers`` for the MLPs; any family with a
harness and a header layout), and the family harnesses run them on unicorn: every
output of every call is compared bit-exactly with the host on the target,
and each call is counted. The step's count is the sum of its kernel calls
(the harness' struct filling between calls is not counted; a firmware's
glue between layer calls is a few dozen instructions per call).

float32 side (:mod:`.f32ref`): ``xtarget/f32/f32_step.c`` (MLPs) or
``xtarget/f32/f32_cnn.c`` (1D-CNNs with softmax + cross entropy), a plain
float32 C step of the same network (the float twin of
symverify/training/twin.py at batch 1), counted as one call of
``f32_mlp_step`` / ``f32_cnn_step``; its output must equal the same program
built for the host.

Images with step data are linked with the MPS2 memory map on every core
(:data:`~symverify.icount.images.BIG_MEMORY`): the ECG model's 4480 weights
already exceed the micro:bit's 16 KiB of RAM. The code is unchanged.
"""
from __future__ import annotations

import inspect
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import registry
from .. import xtarget as xt
from ..errors import SymError
from ..goldgen import generate, kernelcall, layout_header, pool_fixtures, softmax_fixtures
from ..goldgen.conv_header import render_conv_header
from ..goldgen.fixtures import Fixture
from ..goldgen.layers_header import render_layers_header
from ..goldgen.pool_header import render_pool_header
from ..goldgen.softmax_header import render_softmax_header
from ..goldgen.vecformat import FixtureError, hex32, strip_comments
from ..model.chain import TrainConfig
from ..model.factory import Model, build_model
from .errors import StepError
from .f32ref import CNN, count_f32_step, program_for, render_f32_cnn_model, render_f32_model, run_f32_host
from .images import BIG_MEMORY
from .vectors import count_family

#: the kernel calls of a layer's forward / backward in sym_ops order: (label suffix, kernel, optional)
_FWD: dict[str, list[tuple[str, str, bool]]] = {
    "linear": [("forward", "linear_forward", False)], "quant": [("forward", "quant_forward", False)],
    "layernorm": [("forward", "layernorm_forward", False)], "conv1d": [("forward", "conv1d_forward", False)],
    "relu": [("forward", "relu_forward", False)], "maxpool1d": [("forward", "maxpool1d_forward", False)],
    "adaptive_avgpool1d": [("forward", "adaptive_avgpool1d_forward", False)],
    "softmax": [("forward", "softmax_forward", False)], "cross_entropy": []}
_BWD: dict[str, list[tuple[str, str, bool]]] = {
    "linear": [("backward", "linear_backward", False)], "quant": [("backward", "quant_backward", False)],
    "layernorm": [("backward", "layernorm_backward", False)],
    # a gradient wider than dy_bits (a pool's backward) is requantized first
    "conv1d": [("dy_requant", "requant_dynamic", True), ("backward", "conv1d_backward", False)],
    "relu": [("backward", "relu_backward", False)],
    # the argmax indices are recomputed from the kept input
    "maxpool1d": [("indices", "maxpool1d_forward", False), ("backward", "maxpool1d_backward", False)],
    "adaptive_avgpool1d": [("backward", "adaptive_avgpool1d_backward", False)],
    "softmax": [], "cross_entropy": []}
_LOSS = {"mse": ("loss.mse", "mse_loss"), "cross_entropy": ("loss.cross_entropy", "cross_entropy_loss")}
#: trained parameters per kind, in the SGD order of sym_ops
_UPDATE = {"linear": ("w", "b"), "conv1d": ("w", "b")}
#: int-array arguments that carry a shape in their family's vectors (key of the values)
_SHAPED_INTS = {("maxpool1d_backward", "indices"): "values", ("cross_entropy_loss", "target"): "index"}
#: families whose vectors are evaluated by their own goldgen module (not the registry-generic kernelcall)
_EVALUATE = {"pool": pool_fixtures.evaluate, "softmax": softmax_fixtures.evaluate}


@dataclass
class StepCall:
    """One kernel call of the recorded step: its label (``fc1.forward``),
    the kernel, the encoded vector ``args`` and the host C result."""

    label: str
    kernel: str
    args: dict[str, Any]
    expect: dict[str, Any]


class _Recorder:
    """A backend that forwards to ``backend`` and records every registered
    kernel call with its arguments (RNG state as it was before the call)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.calls: list[tuple[str, dict[str, Any], int | None]] = []
        self._names = set(registry.names())

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._backend, name)
        if name not in self._names:
            return fn
        sig = inspect.signature(fn)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            rng = bound.arguments.get("rng_state")
            self.calls.append((name, dict(bound.arguments), None if rng is None else rng.state))
            return fn(*args, **kwargs)

        return recorded


def _encode_arg(kernel: registry.Kernel, arg: registry.Arg, value: Any) -> Any:
    layer = kernel.layer is not None
    if arg.role in ("tensor", "optional_tensor"):
        if value is None:
            return None
        enc = kernelcall.encode_layer_value(value)
        if not layer:
            enc.pop("shape")
        return enc
    if arg.role == "float":
        return hex32(np.float32(value))
    if arg.role == "float_array":
        arr = np.asarray(value, dtype=np.float32)
        bits = [hex32(v) for v in arr.ravel()]
        return {"shape": list(arr.shape), "f32": bits} if layer else bits
    if arg.role == "int_array":
        arr = np.asarray(value)
        key = _SHAPED_INTS.get((kernel.name, arg.name))
        values = [int(v) for v in arr.ravel()]
        return {"shape": list(arr.shape), key: values} if key else values
    if arg.role in ("int", "optional_int"):
        return None if value is None else int(value)
    if arg.role in ("rounding", "order"):
        return value
    # any other role (a padding spec, ...): a JSON scalar or int list its decoder takes as it is
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer)) for v in value):
        return [int(v) for v in value]
    if value is None or isinstance(value, (bool, str, int, np.integer)):
        return int(value) if isinstance(value, np.integer) else value
    raise StepError(f"kernel {kernel.name}: argument {arg.name!r} of role {arg.role!r} has no vector encoding")


def _labels(model: Model, kernels: Sequence[str]) -> list[str]:
    """A label per recorded call in the order of sym_ops (input conversion,
    forward, loss, backward last layer first, SGD w then b); generic labels
    if the recorded order differs."""
    expected: list[tuple[str, str, bool]] = [("input.to_sym", "float_to_sym", False)]
    for layer in model.layers:
        expected += [(f"{layer.name}.{s}", k, o) for s, k, o in _FWD.get(layer.kind, [("forward", "?", False)])]
    expected.append((*_LOSS.get(model.loss_kind, ("loss", "?")), False))
    for layer in reversed(model.layers):
        expected += [(f"{layer.name}.{s}", k, o) for s, k, o in _BWD.get(layer.kind, [("backward", "?", False)])]
    for layer in model.layers:
        expected += [(f"{layer.name}.sgd_{p}", "sgd_update", False) for p in _UPDATE.get(layer.kind, ())
                     if getattr(layer, p, None) is not None]
    labels: list[str] = []
    i = 0
    for label, kernel, optional in expected:
        if i < len(kernels) and kernels[i] == kernel:
            labels.append(label)
            i += 1
        elif not optional:
            break
    if len(labels) == len(kernels) == i:
        return labels
    return [f"{i}.{k}" for i, k in enumerate(kernels)]


def sample(model: Model, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The counted sample: a seeded standard-normal input of the first layer's
    shape (``[1, F]``, or ``[1, C, L]`` where the model declares an
    ``input_shape`` of two) and label 0 (counts barely depend on the values:
    no kernel branches on data except the soft-float helpers of the M0+ and
    the clamps)."""
    shape = tuple(getattr(model, "input_shape", (model.in_features,)))
    x = np.random.default_rng(seed).standard_normal((1, *shape)).astype(np.float32)
    return x, np.zeros(1, dtype=np.int64)


def record_step(model_file: str | Path, seed: int = 0) -> tuple[Model, list[StepCall]]:
    """Build the model (seeded as ``symverify train`` does), run one SYM
    step of one sample on the host C kernels and return the model as it was
    *before* the step plus every kernel call of the step."""
    import symverify.kernels as ck
    from ..training.loop import SymTrainer

    model = build_model(model_file, ck, seed=seed)
    before = build_model(model_file, ck, seed=seed)
    recorder = _Recorder(ck)
    cfg = TrainConfig.from_model(model)
    n_classes = _n_classes(model)
    try:
        trainer = SymTrainer(model, recorder, cfg, n_classes, seed)   # the model's own loss
    except ValueError as exc:
        raise StepError(f"model {model_file}: {exc}") from None
    x, y = sample(model, seed)
    try:
        trainer.step(x, y)
    except SymError as exc:
        done = recorder.calls[-1][0] if recorder.calls else "the first call"
        raise StepError(f"model {model_file}: the SYM step fails on the host C kernels at {done}: {exc}") from None
    kernels = [name for name, _, _ in recorder.calls]
    out = []
    for label, (name, arguments, state) in zip(_labels(before, kernels), recorder.calls):
        k = registry.kernel(name)
        args = {}
        for arg in k.args:
            if arg.role == "rng":
                if state is not None:
                    args["seed"] = state
                continue
            args[arg.vector_key] = _encode_arg(k, arg, arguments[arg.name])
        try:
            expect = _EVALUATE.get(k.family, kernelcall.evaluate)(name, args, ck)
        except FixtureError as exc:
            raise StepError(f"model {model_file}: step call {label} ({name}) has no vector encoding: {exc}") from None
        out.append(StepCall(label, name, args, expect))
    bad = [c for c in out if c.expect["status"] != kernelcall.OK]
    if bad:
        raise StepError(f"step call {bad[0].label} ({bad[0].kernel}) fails on the host: {bad[0].expect['status']}")
    return before, out


def _n_classes(model: Model) -> int:
    for layer in reversed(model.layers):
        if layer.kind == "linear":
            return int(layer.out_features)
    raise StepError(f"model {model.path}: no Linear layer gives the class count")


def _filler(family: str, kernel: str) -> dict[str, Any] | None:
    """The first successful committed golden vector of ``kernel``, as a record
    (a family header needs every kernel's table; filler calls are not
    counted); None if there is none."""
    path = xt.vectors_dir() / f"{family}.json"
    if not path.exists():
        return None
    for v in generate.load_family(path)["vectors"]:
        v = strip_comments(v)
        if v["kernel"] == kernel and v["expect"]["status"] == kernelcall.OK and v.get("c_abi", True):
            return v
    return None


#: families with a header renderer of their own (goldgen's)
_HEADERS = {"conv": render_conv_header, "pool": render_pool_header, "softmax": render_softmax_header}


def step_records(family: str, calls: Sequence[StepCall]) -> list[dict[str, Any]]:
    """The vector records of ``calls`` plus one filler per uncalled kernel of ``family``."""
    records = [{"name": c.label, "kernel": c.kernel, "purpose": c.label, "args": c.args, "expect": c.expect}
               for c in calls]
    called = {c.kernel for c in calls}
    for k in registry.kernels_of(family):
        filler = None if k.name in called else _filler(family, k.name)
        if filler is not None:
            records.append(filler)
    return records


def render_family_header(family: str, calls: Sequence[StepCall]) -> str:
    """The C header of ``family`` holding ``calls`` (plus one filler vector for
    each kernel of the family the step does not call), in the layout the
    family's harness reads: goldgen's primitive headers, ``layers.h``, or
    the registry-derived layout of a tensor-only layer family."""
    records = step_records(family, calls)
    if family in registry.primitive_families():
        vectors = [generate.Vector(Fixture(r["name"], r["kernel"], r["args"], r.get("purpose", ""),
                                           in_place=bool(r.get("in_place", False))), r["expect"])
                   for r in records]
        return generate.render_header(family, vectors, "icount-step")
    doc = {"family": family, "fixture_hash": "icount-step", "emulator_version": "host C kernels",
           "vectors": records}
    if family == "layers":
        return render_layers_header(doc)
    if family in _HEADERS:
        return _HEADERS[family](doc)
    if layout_header.supports(family):
        return layout_header.render_layout_header(doc)
    raise StepError(f"family {family}: no vector header layout for its step calls")


def write_step_headers(calls: Sequence[StepCall], out_dir: Path) -> dict[str, list[StepCall]]:
    """Render the step's calls as ``<family>.h`` and ``<family>.json`` in ``out_dir``, one per
    family the step calls; returns the calls per family in the order each
    family's harness runs them (per kernel in registry order, in call order)."""
    by_family: dict[str, list[StepCall]] = {}
    for c in calls:
        by_family.setdefault(registry.kernel(c.kernel).family, []).append(c)
    ordered = {}
    for family, fam_calls in by_family.items():
        (out_dir / f"{family}.h").write_text(render_family_header(family, fam_calls))
        # the table runner replays the records; the header gives the vector count
        (out_dir / f"{family}.json").write_text(json.dumps({"family": family,
                                                            "vectors": step_records(family, fam_calls)}))
        order = [k.name for k in registry.kernels_of(family)]
        ordered[family] = sorted(fam_calls, key=lambda c: order.index(c.kernel))
    return ordered


@dataclass
class StepCount:
    """One training step counted on one core."""

    core: str
    model: str
    sym_calls: list[tuple[str, str, int]] = field(default_factory=list)   # (label, kernel, instructions)
    sym_ok: bool = False
    sym_problems: list[str] = field(default_factory=list)
    f32_instructions: int = 0
    f32_parts: dict[str, int] = field(default_factory=dict)   # per f32 function GCC kept out of line
    f32_ok: bool = False
    f32_problems: list[str] = field(default_factory=list)
    f32_missing: str | None = None     # why there is no float32 step (a layer kind its program lacks)
    f32_function: str = "f32_mlp_step"   # the counted float32 step function

    @property
    def sym_instructions(self) -> int:
        return sum(n for _, _, n in self.sym_calls)

    @property
    def ok(self) -> bool:
        """SYM step bit-exact, and the float32 step matching the host where there is one."""
        return self.sym_ok and (self.f32_ok or self.f32_missing is not None)


def count_sym_step(core: xt.Core, calls: Sequence[StepCall], tools: xt.Tools, work: Path,
                   exact: bool = False) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Run the step's calls in the family harnesses on unicorn; returns
    ((label, kernel, instructions) per call, problems)."""
    ordered = write_step_headers(calls, work)
    counted: list[tuple[str, str, int]] = []
    problems: list[str] = []
    for family in ordered:
        fc = count_family(core, family, tools, vectors=work, linker_script=BIG_MEMORY, exact=exact)
        problems += [f"{family}: {p}" for p in fc.problems()]
        step_kernels = {c.kernel for c in ordered[family]}
        mine = [c for c in fc.calls if fc.kernel_of[c.function] in step_kernels]
        if len(mine) != len(ordered[family]):
            problems.append(f"{family}: {len(mine)} counted calls for {len(ordered[family])} step calls")
            continue
        for sc, call in zip(ordered[family], mine):
            if fc.kernel_of[call.function] != sc.kernel:
                problems.append(f"{family}: call order mismatch at {sc.label}")
            counted.append((sc.label, sc.kernel, call.instructions))
    label_order = [c.label for c in calls]
    counted.sort(key=lambda t: label_order.index(t[0]))
    return counted, problems


def count_step(model_file: str | Path, cores: Sequence[xt.Core], tools: xt.Tools | None = None, *,
               seed: int = 0, exact: bool = False) -> list[StepCount]:
    """One training sample of ``model_file`` on each core, SYM and float32."""
    tools = tools or xt.find_tools()
    model, calls = record_step(model_file, seed)
    x, y = sample(model, seed)
    target = np.zeros((1, _n_classes(model)), dtype=np.float32)
    target[0, int(y[0])] = 1.0
    lr = float(TrainConfig.from_model(model).lr)
    program = program_for(model)
    results = []
    with tempfile.TemporaryDirectory(prefix="symverify-icount-") as tmp:
        work = Path(tmp)
        try:
            text = (render_f32_cnn_model(model, x, int(y[0]), lr) if program is CNN
                    else render_f32_model(model, x, target, lr))
            (work / program.header).write_text(text)
            missing = None
        except StepError as exc:   # a kind without a float32 reference: the SYM side is still counted
            missing = str(exc)
        host_line = run_f32_host(work, program) if missing is None else ""
        for core in cores:
            rec = StepCount(core.key, str(model_file), f32_missing=missing, f32_function=program.step_function)
            rec.sym_calls, rec.sym_problems = count_sym_step(core, calls, tools, work, exact)
            rec.sym_ok = not rec.sym_problems
            if missing is None:
                rec.f32_instructions, rec.f32_parts, rec.f32_problems = count_f32_step(
                    core, tools, work, host_line, exact, program)
                rec.f32_ok = not rec.f32_problems
            results.append(rec)
    return results
