"""The house's rules that code review alone would let slip: who may import what."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
# The composition root wires the sandbox in; the sandbox is the sandbox.
MAY_IMPORT_THE_SANDBOX = {HUB / "bootstrap.py"}


def library_modules() -> list[Path]:
    return [
        path
        for path in sorted(HUB.rglob("*.py"))
        if HUB / "sandbox" not in path.parents and path not in MAY_IMPORT_THE_SANDBOX
    ]


def imported_names(path: Path) -> set[str]:
    """Every module an import statement in `path` names, wherever the statement is."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_production_modules_never_import_the_sandbox():
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imported_names(path) if "sandbox" in n)
        for path in library_modules()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_library_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(HUB.rglob("*.py"))
        if any(name.split(".")[0] == "streamlit" for name in imported_names(path))
    ]
    assert offenders == []


def test_nothing_probes_an_adapter_with_getattr():
    offenders = []
    for path in sorted(HUB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and node.args
                and isinstance(node.args[0], ast.Name)
                and "adapter" in node.args[0].id
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_loading_every_service_module_loads_no_sandbox():
    # In a fresh interpreter: what a process that never turns the sandbox on pays for.
    # hub/cli.py is the `hub` command's own composition: it builds a hub, as ui/server.py does.
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in library_modules()
        if path != HUB / "cli.py"
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('hub.sandbox')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
