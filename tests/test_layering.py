"""Imports point down the module list: each runtime's library in its module, Flask in app/api."""

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


def test_torch_only_in_the_torch_runtime() -> None:
    allowed = {SERVICE / "models" / "torch_runtime.py"}
    torch = {"torch", "torchao"}
    offenders = [p for p in modules() if torch & imported_roots(p) and p not in allowed]
    assert offenders == []


def transformers_imports(path: Path) -> set[str]:
    """Names a module imports from transformers."""
    names = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("transformers"):
            names |= {alias.name for alias in node.names}
    return names


def test_transformers_models_only_in_the_torch_runtime_tokenizers_in_the_tokenizer() -> None:
    runtime, tokenizer = (
        SERVICE / "models" / "torch_runtime.py",
        SERVICE / "models" / "tokenizer.py",
    )
    found = {p: transformers_imports(p) for p in modules()}
    assert {p for p, names in found.items() if names} <= {runtime, tokenizer}
    assert found[tokenizer] <= {"AutoTokenizer"}


def test_ctranslate2_only_in_its_modules() -> None:
    # The CTranslate2 runtime may span modules named ct2*.py (runtime, conversion).
    offenders = [
        p
        for p in modules()
        if "ctranslate2" in imported_roots(p)
        and not (p.parent == SERVICE / "models" and p.name.startswith("ct2"))
    ]
    assert offenders == []


def test_every_registered_runtime_is_one_module_of_its_own() -> None:
    from service.models.runtimes import RUNTIMES

    for name, module in RUNTIMES.items():
        path = PROJECT_ROOT / (module.replace(".", "/") + ".py")
        assert path.is_file(), name
        assert path.parent == SERVICE / "models"


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
