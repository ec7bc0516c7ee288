"""The package layout shows the pipeline, and keeps its promises to a reader.

- core/ is pure: no file, terminal, clock, typer, rich, pandas or yaml, and nothing from the
  stages after it (present, cli, history, read);
- no import cycles between modules (imports at module level, outside TYPE_CHECKING);
- modules under 400 lines, functions under 60, each cli/ module under 200 lines;
- ``--help`` loads no pandas, numpy or rich; the CSV and JSON exports load no pandas or rich.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "socprio"
MODULES = sorted(SRC.rglob("*.py"))
CORE_FORBIDDEN = {
    "os", "sys", "io", "pathlib", "shutil", "time", "tempfile", "socket", "subprocess",
    "typer", "rich", "pandas", "yaml",
    "socprio.present", "socprio.cli", "socprio.history", "socprio.read", "socprio.write",
}  # fmt: skip


def _name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module or package of socprio (a file under src/)."""
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Modules imported by ``path`` (absolute names; TYPE_CHECKING blocks skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                modules = {s for s in subs if _is_module(s)}
                found.update(modules)  # `from pkg import submodule` imports the submodule
                if len(modules) < len(subs):
                    found.add(node.module)
            if not top_level_only or isinstance(node, ast.If | ast.Try):
                for field in ("body", "orelse", "handlers", "finalbody"):
                    visit([n for n in getattr(node, field, []) if isinstance(n, ast.stmt)])

    visit(tree.body)
    if not top_level_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                visit(node.body)
    return found


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent.name == "core"], ids=_name)
def test_core_is_pure(path: Path) -> None:
    imported = _imports(path, top_level_only=False)
    bad = {m for m in imported for f in CORE_FORBIDDEN if m == f or m.startswith(f + ".")}
    assert not bad, f"{_name(path)} imports {sorted(bad)}"


def test_no_import_cycles() -> None:
    names = {_name(p): p for p in MODULES}
    graph = {
        name: {m for m in _imports(path, top_level_only=True) if m in names and m != name}
        for name, path in names.items()
    }
    done: set[str] = set()

    def walk(node: str, stack: list[str]) -> None:
        if node in stack:
            cycle = [*stack[stack.index(node) :], node]
            # a package importing its own submodules is how it registers them, not a cycle
            if not all(
                b.startswith(a + ".") or a.startswith(b + ".") for a, b in itertools.pairwise(cycle)
            ):
                pytest.fail("import cycle: " + " -> ".join(cycle))
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            walk(nxt, [*stack, node])
        done.add(node)

    for name in sorted(graph):
        walk(name, [])


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_budgets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    limit = 200 if path.parent.name == "cli" else 400
    assert len(text.splitlines()) <= limit, f"{_name(path)} over {limit} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= 60, f"{_name(path)}.{node.name} is {size} lines"


def test_help_path_loads_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from socprio.cli import app\n"
        "for args in (['--help'], ['rank', '--help'], ['slate', '--help'], ['--version']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = {'pandas', 'numpy', 'rich', 'yaml', 'matplotlib', 'scipy'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        # the cron job's path (rank to CSV, no earlier run) pays only for what it uses
        ("csv", "out.read_text().count('\\n') == 21"),
        # json reads the numpy columns as csv does (an earlier run is joined in pandas)
        ("json", "len(json.loads(out.read_text())['groups']) == 20"),
    ],
)
def test_rank_without_an_earlier_run_loads_neither_pandas_nor_rich(fmt: str, check: str) -> None:
    code = (
        "import sys, json, tempfile, pathlib\n"
        "from typer.testing import CliRunner\n"
        "from socprio.cli import app\n"
        f"out = pathlib.Path(tempfile.mkdtemp()) / 'r.{fmt}'\n"
        f"args = ['rank', 'sample_data/ocgs.csv', '-f', '{fmt}', '--as-of', '2026-11-23', '-q',\n"
        "        '--top', '20', '-o', str(out)]\n"
        "assert CliRunner().invoke(app, args).exit_code == 0\n"
        f"assert {check}\n"
        "print(sorted({'pandas', 'rich', 'matplotlib', 'scipy'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_stages_are_folders() -> None:
    stages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"config", "read", "validate", "core", "pipeline", "history", "present"} <= stages
    assert {"write", "sample", "cli"} <= stages
