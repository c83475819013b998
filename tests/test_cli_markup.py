"""Text with square brackets (lemma ids, statements, keys) is printed as
written: rich markup in user-controlled text and messages is escaped."""
from __future__ import annotations

from click.testing import CliRunner

from symverify.cli import cli


def test_prove_list_keeps_brackets():
    r = CliRunner().invoke(cli, ["prove", "--list", "-l", "round.cast_branch", "--bits", "12"],
                           env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "round.cast_branch[b=12]" in r.output
    assert "clamp(round(v)) in [qMin, qMax]" in r.output


def test_prove_table_keeps_brackets():
    r = CliRunner().invoke(cli, ["prove", "-l", "mac.fan_in", "--bits", "16"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "mac.fan_in[b=16,seed=none,N=2]" in r.output  # the findings table's lemma id
