"""The records' front door names each thing it fronts, loaded on first use: every name in
`__all__` is importable from it and is the very object its module holds."""

from __future__ import annotations

import importlib

import pytest

from callkeep.records import service as records


def test_every_name_of_the_front_door_is_the_object_its_module_holds() -> None:
    assert sorted(records.__all__) == sorted(records._WHERE)
    for name in records.__all__:
        module, attribute = records._WHERE[name]
        held = getattr(importlib.import_module(f"callkeep.records.{module}"), attribute)
        assert getattr(records, name) is held, name
    assert set(records.__all__) <= set(dir(records))


def test_from_imports_and_unknown_names_behave_as_a_plain_module() -> None:
    from callkeep.records.service import DEFAULT_SELLER_SLUG, Seller, phone_facts

    assert DEFAULT_SELLER_SLUG == "default"
    assert Seller.__tablename__ and callable(phone_facts)
    with pytest.raises(AttributeError, match="no_such_name"):
        records.no_such_name  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from callkeep.records.service import no_such_name  # noqa: F401
