"""The domains meet at their front doors: other domains import the records through
`callkeep.records.service` alone, never its modules, tables or schemas directly."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
RECORDS = "callkeep.records"
FRONT_DOORS = frozenset({"callkeep.records.service"})

# Imports of records' modules outside records that are wiring, not use, each with its reason.
ALLOWED = {
    # `callkeep calls import` is a command of the records' `calls` group: it joins that group.
    ("callkeep.dialer.cli", "callkeep.records.cli"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Each module an import statement of `tree` reaches, as (line, dotted name)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` reaches package.module; `from module import name`
            # reaches module (a name in it, or a sub-module: both are the module's inside).
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def records_imports_outside_front_door(module: str, source: str, is_package: bool) -> list[str]:
    """The imports of `module` (outside records) that reach into records past its front door."""
    package = module if is_package else module.rpartition(".")[0]
    problems = []
    for line, target in imported_modules(ast.parse(source), package):
        if target != RECORDS and not target.startswith(RECORDS + "."):
            continue
        if any(target == door or target.startswith(door + ".") for door in FRONT_DOORS):
            continue
        reached = next(
            (door for door in ALLOWED if door[0] == module and target.startswith(door[1])), None
        )
        if reached is None:
            problems.append(f"{module}:{line} imports {target}")
    return problems


def test_other_domains_import_the_records_only_through_its_front_door() -> None:
    problems = []
    for path in sorted((SRC / "callkeep").rglob("*.py")):
        module = module_name(path)
        if module == RECORDS or module.startswith(RECORDS + "."):
            continue
        problems += records_imports_outside_front_door(
            module, path.read_text(encoding="utf-8"), path.name == "__init__.py"
        )
    assert problems == [], "import the records through callkeep.records.service:\n" + "\n".join(
        problems
    )


def test_every_allowed_exception_is_still_needed() -> None:
    for importer, target in ALLOWED:
        path = SRC / Path(*importer.split(".")).with_suffix(".py")
        reached = [t for _, t in imported_modules(ast.parse(path.read_text()), importer)]
        assert any(t.startswith(target) for t in reached), (importer, target)


def test_the_check_sees_each_way_of_reaching_past_the_front_door() -> None:
    source = "\n".join(
        [
            "from callkeep.records import calls",
            "from callkeep.records.models import Call",
            "import callkeep.records.queries",
            "from ..records import people",
            "def later():\n    from callkeep.records import sellers",
            "from callkeep.records import service as records",
            "from callkeep.records.service import CallIn",
        ]
    )
    problems = records_imports_outside_front_door("callkeep.web.page", source, False)
    assert [p.split(" imports ")[1] for p in problems] == [
        "callkeep.records.calls",
        "callkeep.records.models.Call",
        "callkeep.records.queries",
        "callkeep.records.people",
        "callkeep.records.sellers",
    ]
