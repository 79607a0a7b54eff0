"""Imports point down the module list: torch only in models/backend.py, Flask only in app/api."""

from __future__ import annotations

import ast
from pathlib import Path

from service.settings import PROJECT_ROOT

SERVICE = PROJECT_ROOT / "service"


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (imports for type hints only)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports at run time (at any depth in the file)."""
    roots = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def modules() -> list[Path]:
    return sorted(SERVICE.rglob("*.py"))


def test_torch_and_transformers_models_only_in_the_backend() -> None:
    allowed = {SERVICE / "models" / "backend.py"}
    offenders = [p for p in modules() if "torch" in imported_roots(p) and p not in allowed]
    assert offenders == []


def test_ctranslate2_only_in_its_modules() -> None:
    models = SERVICE / "models"
    allowed = {models / "ct2_runtime.py", models / "ct2_convert.py", models / "ct2_loaders.py"}
    offenders = [p for p in modules() if "ctranslate2" in imported_roots(p) and p not in allowed]
    assert offenders == []


def test_flask_only_in_app_and_api() -> None:
    def allowed(path: Path) -> bool:
        return path == SERVICE / "app.py" or (SERVICE / "api") in path.parents

    offenders = [p for p in modules() if "flask" in imported_roots(p) and not allowed(p)]
    assert offenders == []


def test_text_is_pure_python() -> None:
    heavy = {"torch", "flask", "transformers", "numpy", "werkzeug"}
    for path in (SERVICE / "text").rglob("*.py"):
        assert not imported_roots(path) & heavy, path


def test_importing_the_package_does_no_work() -> None:
    import subprocess
    import sys

    code = "import sys, service; print('torch' in sys.modules, 'flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
