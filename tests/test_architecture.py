"""The shape of the code, checked: no import cycles, one registry, channels without SQL.

The import contracts themselves run in ``make test`` (``lint-imports``); this module adds what
they cannot say: that no module imports itself back through any chain, that every feature
folder is in the registry, and that only ``bot/outbox/rows.py`` writes outbox rows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

from bot.features.feature import Feature
from bot.features.registry import FEATURES

ROOT = Path(__file__).resolve().parents[1]


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(
        "bot", "conversations", "scheduler", exclude_type_checking_imports=True
    )
    cycles = sorted(
        (module, dependency)
        for module in graph.modules
        for dependency in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=dependency, imported=module)
    )
    assert cycles == []


def test_every_feature_folder_is_registered_once() -> None:
    folders = sorted(
        path.name
        for path in (ROOT / "bot" / "features").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    )
    assert all(isinstance(f, Feature) for f in FEATURES)
    assert sorted(f.name for f in FEATURES) == folders


def test_only_the_outbox_writes_outbox_rows() -> None:
    writers = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "INSERT INTO outbox" in text or "insert(outbox" in text:
            writers.append(path.relative_to(ROOT).as_posix())
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "insert"
                and node.args
                and getattr(node.args[0], "id", None) in ("outbox", "OutboxMessage")
            ):
                writers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(writers)) == ["bot/outbox/rows.py"]
