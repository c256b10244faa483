"""The design card, checked: the core is UI-free, pages hold layout only, the RNG stays local."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
CORE = sorted((ROOT / "attention").rglob("*.py"))
APP_PATH = CORE + PAGES + sorted((ROOT / "ui").glob("*.py"))
GLOBAL_RNG_CALLS = {"manual_seed", "seed", "set_rng_state", "rand", "randn", "randint", "randperm"}


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def global_rng_calls(path: Path) -> list[str]:
    """Calls such as ``torch.manual_seed(...)`` or ``torch.rand(...)`` without a generator.

    Notebook snippets that a page prints for students are strings, not calls: they may seed.
    """
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner, attr = node.func.value, node.func.attr
        is_torch_rng = (
            isinstance(owner, ast.Name) and owner.id == "torch" and attr in GLOBAL_RNG_CALLS
        )
        if is_torch_rng and not any(keyword.arg == "generator" for keyword in node.keywords):
            calls.append(f"line {node.lineno}: torch.{attr}")
    return calls


@pytest.mark.parametrize("path", PAGES, ids=name_of)
def test_pages_do_not_import_torch(path: Path) -> None:
    assert "torch" not in imported_modules(path)


@pytest.mark.parametrize("path", CORE, ids=name_of)
def test_core_does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in imported_modules(path)


@pytest.mark.parametrize("path", APP_PATH, ids=name_of)
def test_nothing_uses_the_global_rng(path: Path) -> None:
    assert global_rng_calls(path) == []


def test_the_rng_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\ntorch.manual_seed(1)\nx = torch.rand(3)\n", encoding="utf-8")
    assert global_rng_calls(bad) == ["line 2: torch.manual_seed", "line 3: torch.rand"]


def test_every_registered_page_exists_and_every_page_is_registered() -> None:
    from ui.layout import PAGES as REGISTRY

    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert {page.path for page in REGISTRY} == on_disk
