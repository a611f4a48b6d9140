"""Every benchmark at its smoke size: the scripts keep working (their figures mean nothing here).

Benchmarks measure and never assert targets; this test asserts that each one runs to the end
and reports its figures, so `make bench` does not rot between full runs.
"""

from __future__ import annotations

import importlib

import pytest

from benchmarks.harness import SMOKE, BenchContext, Figure
from benchmarks.run import BENCHMARKS, main, markdown_table

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_at_smoke_size(name, tmp_path):
    module = importlib.import_module(f"benchmarks.bench_{name}")
    figures = module.run(BenchContext(scale=SMOKE, workdir=tmp_path))
    assert figures, f"{name} reported no figure"
    for figure in figures:
        assert isinstance(figure, Figure)
        assert figure.measure and figure.benchmark
        assert figure.value == figure.value, f"{name}: {figure.measure} is NaN"
        # A figure with a target says whether it was met; one without has no verdict.
        assert (figure.met is None) == (not figure.target), figure


def test_run_writes_the_table_with_the_machine(tmp_path, capsys):
    output = tmp_path / "BENCHMARKS.md"
    assert main(["--size", "smoke", "--only", "sync", "--output", str(output)]) == 0
    table = output.read_text(encoding="utf-8")
    assert "| benchmark | measure | figure | target | verdict | detail |" in table
    assert "Machine:" in table and "cores" in table
    assert "Scale: smoke" in table
    assert "requests" in capsys.readouterr().out


def test_a_crashing_benchmark_is_reported_not_hidden():
    crashed = Figure("x", "crashed", 0, "", "", False, "ValueError: boom")
    table = markdown_table([crashed], SMOKE, 1.0)
    assert "| x | crashed |" in table and "MISSED" in table
