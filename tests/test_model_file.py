"""The model file's one loader (symverify.model.modelfile): every bad input is a
named error (exit 3 in ``bounds``, ModelFileError in the factory and the
validator), the same file is legal or illegal for all three readers, and
bracketed text survives the rich console."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import symverify as sv
from symverify.cli import cli
from symverify.model import KINDS, ModelFileError, build_model, validate
from symverify.model.modelfile import LAYER_KINDS
from symverify.proofs import bounds as B

EX = Path(__file__).resolve().parents[1] / "examples"
LINEAR = ('[[layer]]\nname = "{name}"\nkind = "linear"\nin_features = {i}\nout_features = {o}\n'
          'x_bits = {xb}\nw_bits = 12\nbias = false\n')


def bounds(*args) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["bounds", *map(str, args), "--no-replay"], env={"COLUMNS": "200"})
    return r.exit_code, " ".join(r.output.split())


def write(tmp_path: Path, text: str | bytes) -> Path:
    f = tmp_path / "m.toml"
    (f.write_bytes if isinstance(text, bytes) else f.write_text)(text)
    return f


def linear(name="fc", i=4, o=2, xb=12) -> str:
    return LINEAR.format(name=name, i=i, o=o, xb=xb)


@pytest.mark.parametrize("content,reason", [
    (b"\x87\xff\x00binary\x01" * 20, "not a UTF-8 text file (byte 0x87 at offset 0)"),
    (b'[[layer]]\nname = "caf\xe9"\n', "not a UTF-8 text file (byte 0xe9 at offset 21)"),
    (b"[[layer]\n", "not valid TOML"),
])
def test_unreadable_files_exit_3_naming_the_file(tmp_path, content, reason):
    f = write(tmp_path, content)
    code, out = bounds(f)
    assert code == 3 and "Traceback" not in out, out
    assert f"{f}" in out.replace(" ", "") or f.name in out
    assert reason in out
    with pytest.raises(ModelFileError, match=re.escape(reason)):
        build_model(f, sv.emulate)


def test_directory_and_missing_file_exit_3(tmp_path):
    code, out = bounds(tmp_path)
    assert code == 3 and "is a directory, not a model file" in out and tmp_path.name in out, out
    code, out = bounds(tmp_path / "nope.toml")
    assert code == 3 and "nope.toml" in out and "no such file" in out, out
    with pytest.raises(ModelFileError, match="no such file"):
        build_model(tmp_path / "nope.toml", sv.emulate)
    with pytest.raises(ModelFileError, match="is a directory"):
        build_model(tmp_path, sv.emulate)


def test_misspelt_layer_key_is_an_error_with_a_suggestion(tmp_path):
    f = write(tmp_path, linear().replace("in_features = 4", "in_features = 4\nin_featurs = 100000"))
    code, out = bounds(f)
    assert code == 3, out
    assert "m.toml:5" in out and "key 'in_featurs' = 100000" in out and "did you mean 'in_features'?" in out
    with pytest.raises(ModelFileError) as exc:
        build_model(f, sv.emulate)
    assert exc.value.key == "in_featurs" and exc.value.layer == "fc" and exc.value.line == 5
    with pytest.raises(ModelFileError):
        validate(f)


def test_unknown_top_level_and_training_keys(tmp_path):
    code, out = bounds(write(tmp_path, "[trainig]\nbatch = 4\n" + linear()))
    assert code == 3 and "key 'trainig'" in out and "did you mean 'training'?" in out, out
    code, out = bounds(write(tmp_path, "[training]\nbatchsize = 4\n" + linear()))
    assert code == 3 and "key 'batchsize' = 4" in out and "did you mean 'batch'?" in out, out


def test_meta_tables_hold_free_form_notes(tmp_path):
    text = '[meta]\nauthor = "x"\nanything = [1, 2]\n\n' + linear() + '[layer.meta]\nwhy = "notes"\n'
    code, out = bounds(write(tmp_path, text))
    assert code == 0, out
    assert build_model(tmp_path / "m.toml", sv.emulate).layers[0].in_features == 4


def test_one_validation_of_values_for_bounds_and_the_factory(tmp_path):
    """eps = -1 used to be SAFE in bounds; x_bits = 17 used to build."""
    ln = '[[layer]]\nname = "ln"\nkind = "layernorm"\nnormalized_shape = 8\nx_bits = 12\neps = -1\n'
    for text, key, value in ((ln, "eps", -1), (linear(xb=17), "x_bits", 17)):
        f = write(tmp_path, text)
        with pytest.raises(ModelFileError) as exc:
            build_model(f, sv.emulate)
        assert (exc.value.key, exc.value.value) == (key, value)
        code, out = bounds(f)
        assert code == 3 and " ".join(str(exc.value).split()) in out, out


@pytest.mark.parametrize("edit,key", [
    ("eps = nan", "eps"), ("eps = inf", "eps"), ("normalized_shape = 65536", "normalized_shape"),
    ("gamma_bits = 12.0", "gamma_bits"), ("rounding = \"nearest\"", "rounding"),
])
def test_layernorm_values(tmp_path, edit, key):
    base = '[[layer]]\nname = "ln"\nkind = "layernorm"\nnormalized_shape = 8\nx_bits = 12\n'
    k = edit.split(" = ")[0]
    text = base.replace(f"{k} = 8\n", "") if k == "normalized_shape" else base
    f = write(tmp_path, text + edit + "\n")
    code, out = bounds(f)
    assert code == 3 and f"key '{key}'" in out, out


def test_layers_that_do_not_chain(tmp_path):
    f = write(tmp_path, linear("a", 4, 4) + linear("b", 99, 2))
    with pytest.raises(ModelFileError) as exc:
        build_model(f, sv.emulate)
    assert exc.value.layer == "b" and exc.value.key == "in_features" and exc.value.value == 99
    assert "layer 'a' emits 4 features" in str(exc.value)
    r = CliRunner().invoke(cli, ["bounds", str(f), "--no-replay", "--json", "-"])
    assert r.exit_code == 0, r.output  # bounds decides each layer on its own: a warning
    assert "warning:" in r.output and "in_features = 99 does not match the 4 features layer 'a' emits" in r.output
    assert json.loads(r.stdout[r.stdout.index("{"):])["warnings"]
    # a quant passes the feature count through; a matching chain has no warning
    ok = write(tmp_path, linear("a", 4, 8) + '[[layer]]\nname = "q"\nkind = "quant"\nx_bits = 12\nq_max_bits = 12\n'
               + linear("b", 8, 2))
    assert build_model(ok, sv.emulate).layers[2].in_features == 8
    assert "warning" not in bounds(ok)[1]


def test_brackets_in_messages_survive_the_console(tmp_path):
    code, out = bounds(write(tmp_path, '[training]\nbatch = 0\n' + linear()))
    assert code == 3 and "[training] batch must be" in out, out
    code, out = bounds(write(tmp_path, linear().replace("bias = false", 'bias = false\n"[]" = 1')))
    assert code == 3 and "key '[]' = 1" in out, out
    code, out = bounds(write(tmp_path, linear(name="[bold]fc[/bold]")))
    assert code == 0 and "[bold]fc[/bold]" in out, out


def test_one_list_of_layer_kinds():
    api = ("linear", "layernorm", "conv1d", "conv_transpose1d", "maxpool1d", "avgpool1d", "adaptive_avgpool1d",
           "quant", "relu", "softmax", "cross_entropy")  # shared/API.md
    assert set(api) <= set(LAYER_KINDS)
    groups = (set(B.KINDS_WITH_ENCODING), set(B.KINDS_FLOAT_CORE), set(B.KINDS_WITHOUT_ENCODING))
    assert set.union(*groups) == set(LAYER_KINDS)
    assert sum(len(g) for g in groups) == len(LAYER_KINDS)   # disjoint
    assert set(B.KINDS_FLOAT_CORE) == {"softmax", "cross_entropy", "mse", "sgd"}
    assert KINDS == ("linear", "quant", "layernorm", "relu", "conv1d", "maxpool1d", "adaptive_avgpool1d", "softmax",
                     "cross_entropy")


def test_known_kind_the_factory_does_not_build(tmp_path):
    conv = ('[[layer]]\nname = "c"\nkind = "conv_transpose1d"\nin_channels = 2\nout_channels = 2\n'
            'kernel_size = 3\nx_bits = 12\nw_bits = 12\npadding = 1\n')
    f = write(tmp_path, conv)
    assert bounds(f)[0] == 0
    with pytest.raises(ModelFileError, match="the factory builds linear, quant, layernorm, relu, conv1d"):
        build_model(f, sv.emulate)
    assert [x.rule for x in validate(f, strict=False)] == ["kind"]
    code, out = bounds(write(tmp_path, conv.replace('padding = 1', 'padding = "full"')))
    assert code == 3 and "key 'padding' = 'full'" in out, out


def test_examples_load_everywhere():
    for f in sorted(EX.glob("*.toml")):
        assert B.load_model(f)
    assert validate(EX / "chain.toml") == []
