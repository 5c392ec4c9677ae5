"""The dependency rules of ARCHITECTURE.md, checked on the source itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "booking"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def booking_imports(path: Path) -> set[str]:
    return {name for name in imports_of(path) if name == "booking" or name.startswith("booking.")}


ALL = modules()


@pytest.mark.parametrize("name", sorted(n for n in ALL if n.startswith("booking.slots")))
def test_slots_is_pure(name):
    outside = {i for i in booking_imports(ALL[name]) if not i.startswith("booking.slots")}
    assert not outside, f"{name} imports {outside}"
    assert not {i for i in imports_of(ALL[name]) if i.split(".")[0] in {"flask", "sqlalchemy"}}


@pytest.mark.parametrize("name", sorted(n for n in ALL if n.startswith("booking.calendars.ics_")))
def test_ics_modules_are_pure(name):
    assert not {i for i in booking_imports(ALL[name]) if not i.startswith("booking.calendars")}
    assert not {i for i in imports_of(ALL[name]) if i.split(".")[0] in {"flask", "sqlalchemy"}}


def test_extensions_import_nothing_from_booking():
    assert not booking_imports(ALL["booking.extensions"])


@pytest.mark.parametrize("name", sorted(n for n in ALL if not n.startswith("booking.web") and n != "booking"))
def test_nothing_but_create_app_imports_web(name):
    assert not {i for i in booking_imports(ALL[name]) if i.startswith("booking.web")}, name


@pytest.mark.parametrize("name", sorted(n for n in ALL if n.startswith(("booking.operations", "booking.models"))))
def test_operations_and_models_stay_out_of_the_request(name):
    flask_names = {i for i in imports_of(ALL[name]) if i.startswith("flask.")}
    assert not flask_names & {"flask.request", "flask.session", "flask.g"}, name
    if name.startswith("booking.models"):
        assert not {i for i in booking_imports(ALL[name]) if i.startswith("booking.operations")}, name


@pytest.mark.parametrize("name", sorted(n for n in ALL if n != "booking.clock"))
def test_only_the_clock_reads_the_wall_clock(name):
    source = ALL[name].read_text(encoding="utf-8")
    for call in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time("):
        assert call not in source, f"{name} calls {call}; take `now` from booking.clock"
