"""The design card, checked: the layers stay apart, one lesson lives in one place, the RNG
stays local, and each shared thing exists once."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
CORE = sorted((ROOT / "attention").rglob("*.py"))
SHARED = sorted((ROOT / "ui").glob("*.py"))
LESSONS = sorted((ROOT / "lessons").rglob("*.py"))
APP_PATH = CORE + PAGES + SHARED + LESSONS
# the only modules outside the core that may call torch: the cached views of its results
VIEWS = {ROOT / "ui" / "compute.py", *sorted((ROOT / "lessons").glob("*/view.py"))}
GLOBAL_RNG_CALLS = {"manual_seed", "seed", "set_rng_state", "rand", "randn", "randint", "randperm"}


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


def imported_modules(path: Path, depth: int = 1) -> set[str]:
    """Every module ``path`` imports, cut to its first ``depth`` dotted parts."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(".".join(a.name.split(".")[:depth]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(".".join(node.module.split(".")[:depth]))
    return names


def calls_of(path: Path, owner: str, attrs: set[str]) -> list[str]:
    """Calls such as ``st.dataframe(...)``: ``owner.attr`` for each attr in ``attrs``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            if isinstance(value, ast.Name) and value.id == owner and node.func.attr in attrs:
                found.append(f"line {node.lineno}: {owner}.{node.func.attr}")
    return found


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


@pytest.mark.parametrize("path", PAGES + SHARED + LESSONS, ids=name_of)
def test_torch_only_in_the_core_and_its_views(path: Path) -> None:
    if path not in VIEWS:
        assert "torch" not in imported_modules(path)


@pytest.mark.parametrize("path", CORE, ids=name_of)
def test_core_does_not_import_streamlit_or_the_ui(path: Path) -> None:
    assert not imported_modules(path) & {"streamlit", "ui", "lessons", "altair", "pandas"}


@pytest.mark.parametrize("path", SHARED, ids=name_of)
def test_the_shared_layer_imports_no_lesson(path: Path) -> None:
    assert "lessons" not in imported_modules(path)


@pytest.mark.parametrize("path", LESSONS, ids=name_of)
def test_no_lesson_imports_another(path: Path) -> None:
    lesson = path.relative_to(ROOT / "lessons").parts[0]
    others = {m for m in imported_modules(path, depth=2) if m.startswith("lessons.")}
    assert others <= {f"lessons.{lesson}"}, others


@pytest.mark.parametrize("path", APP_PATH, ids=name_of)
def test_nothing_uses_the_global_rng(path: Path) -> None:
    assert global_rng_calls(path) == []


def test_the_rng_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\ntorch.manual_seed(1)\nx = torch.rand(3)\n", encoding="utf-8")
    assert global_rng_calls(bad) == ["line 2: torch.manual_seed", "line 3: torch.rand"]


@pytest.mark.parametrize("path", PAGES + LESSONS, ids=name_of)
def test_one_table_renderer_and_one_chart_pipeline(path: Path) -> None:
    """Tables go through ui.tables, charts through ui.charts: no page or lesson draws its own."""
    own = {"dataframe", "table", "altair_chart", "vega_lite_chart", "line_chart", "bar_chart"}
    assert calls_of(path, "st", own) == []


def test_the_call_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nst.dataframe([1])\n", encoding="utf-8")
    assert calls_of(bad, "st", {"dataframe"}) == ["line 2: st.dataframe"]


def test_every_registered_page_exists_and_every_page_is_registered() -> None:
    from ui.frame import PAGES as REGISTRY

    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert {page.path for page in REGISTRY} == on_disk


def test_every_lesson_folder_has_its_prose_and_a_page() -> None:
    """One lesson, one place: each folder of lessons/ is one page's lesson, with its prose."""
    for folder in (
        p for p in (ROOT / "lessons").iterdir() if p.is_dir() and p.name != "__pycache__"
    ):
        assert (folder / "lesson.md").exists(), folder
        assert (folder / "__init__.py").exists(), folder
