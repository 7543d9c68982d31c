"""Shared test helpers live in ``tests/auxil``: no module imports a test module or ``conftest``.

A helper that two test modules need moves to ``tests.auxil``; fixtures stay in ``conftest.py``
(pytest provides them by name, nobody imports them).  Importing a test module would collect its
tests twice under another name and tie one test file to another's insides.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ALLOWED = "tests.auxil"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def forbidden_imports(source: str, module: str) -> list[str]:
    """The modules under ``tests`` that ``source`` (the module ``module``) imports, apart from
    ``tests.auxil`` and what is in it."""

    def allowed(name: str) -> bool:
        return name == ALLOWED or name.startswith(ALLOWED + ".")

    def under_tests(name: str) -> bool:
        return name == "tests" or name.startswith("tests.")

    found: list[str] = []
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            # ``from tests import auxil`` names modules; ``from tests.x import y`` names x's.
            names = (
                [f"{target}.{alias.name}" for alias in node.names]
                if target == "tests" or not under_tests(target)
                else [target]
            )
        else:
            continue
        found += [n for n in names if under_tests(n) and not allowed(n)]
    return found


def test_no_module_imports_a_test_module_or_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): bad
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        and (bad := forbidden_imports(path.read_text(encoding="utf-8"), module_name(path)))
    }
    hint = "move shared helpers to tests/auxil and import them from there"
    assert not offenders, f"{hint}: {offenders}"


@pytest.mark.parametrize(
    ("source", "module", "bad"),
    [
        ("from tests.test_courses import person_of", "tests.test_x", ["tests.test_courses"]),
        ("from tests.conftest import TEST_SECRET", "tests.channels.test_x", ["tests.conftest"]),
        ("import tests.test_simulator_api", "tests.test_x", ["tests.test_simulator_api"]),
        ("from tests import conftest, auxil", "tests.test_x", ["tests.conftest"]),
        ("from .test_parse import x", "tests.channels.test_x", ["tests.channels.test_parse"]),
        ("from ..conftest import x", "tests.channels.test_x", ["tests.conftest"]),
        ("def f():\n    from tests.conftest import x\n", "tests.auxil.a", ["tests.conftest"]),
        ("from tests.auxil.simulator import Simulator", "tests.test_x", []),
        ("from tests.auxil import clock", "tests.test_x", []),
        ("from . import clock", "tests.auxil.telegram", []),
        ("from bot.tests import x\nimport pytest", "tests.test_x", []),
    ],
)
def test_the_check_sees_every_form_of_import(source: str, module: str, bad: list[str]) -> None:
    assert forbidden_imports(source, module) == bad
