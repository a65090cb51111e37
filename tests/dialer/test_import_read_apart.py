"""`calls import` reads and checks its files in a process of its own: the report, the calls and
the ledger are those of the import read in one process, whatever the files hold, and a reader
that fails or dies ends the import with an error instead of hanging it or losing a chunk."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from test_import_equals_plain_path import FIXTURES, _options, _stored
from test_import_equals_plain_path import twins as twins  # the fixture: the dialer world, twice

from callkeep.dialer import imports
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger


def _import(rt: Runtime, seller: str, texts: list[tuple[str, str]], read_apart: bool):  # type: ignore[no-untyped-def]
    options = _options(seller, FIXTURES["asterisk"][1], Path("."))
    sources = [(name, io.StringIO(text, newline="")) for name, text in texts]
    return imports.import_calls(
        db=rt.db, actor="test", sources=sources, options=options, read_apart=read_apart
    )


def test_files_read_apart_give_the_report_and_calls_of_files_read_here(
    twins: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several files (one named twice, one empty, repeats across them), in chunks of three
    lines, so that a chunk ends inside a file and repeats span chunks."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    text = FIXTURES["asterisk"][0]
    half = text[: len(text) // 2].rsplit("\n", 1)[0] + "\n"
    texts = [("a.csv", text), ("b.csv", half), ("a.csv", text), ("empty.csv", "")]
    here = _import(twins, "andro", texts, read_apart=False)
    apart = _import(twins, "twin", texts, read_apart=True)
    assert apart.model_dump(exclude={"seconds"}) == here.model_dump(exclude={"seconds"})
    assert apart.files == ["a.csv", "b.csv", "a.csv", "empty.csv"]
    assert apart.imported > 0 and apart.repeats > 0 and apart.problems > 0
    assert _stored(twins, "twin") == _stored(twins, "andro")
    with twins.db.transaction(read_only=True) as session:
        assert ledger.verify(session=session).intact


def test_a_file_the_reader_refuses_is_the_import_s_error_as_when_read_here(twins: Runtime) -> None:
    options = imports.ImportOptions(
        file_format="vicidial", seller="andro", campaign="heat-pumps", timezone="UTC"
    )
    refused = []
    for read_apart in (False, True):
        with pytest.raises(InvalidInput) as caught:
            imports.import_calls(
                db=twins.db,
                actor="test",
                sources=[("x.txt", io.StringIO("not,a,vicidial,file\n" * 3))],
                options=options,
                read_apart=read_apart,
            )
        refused.append((caught.value.message, caught.value.fields))
    assert refused[0] == refused[1]


def test_a_reader_that_dies_ends_the_import_with_an_error_and_keeps_whole_chunks(
    twins: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading process killed in its third chunk: the import stops with an error, the two
    chunks committed before it stay whole, and a second import adds the rest."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    checker = imports._checker
    seen = [0]

    def dying(context):  # type: ignore[no-untyped-def]
        check = checker(context)

        def check_or_die(read):  # type: ignore[no-untyped-def]
            seen[0] += 1
            if seen[0] == 7:  # in the reading process: this copy of `seen` is its own
                os._exit(9)
            return check(read)

        return check_or_die

    monkeypatch.setattr(imports, "_checker", dying)
    text = FIXTURES["asterisk"][0]
    with pytest.raises(RuntimeError, match="stopped before its end"):
        _import(twins, "andro", [("a.csv", text)], read_apart=True)
    monkeypatch.setattr(imports, "_checker", checker)
    again = _import(twins, "andro", [("a.csv", text)], read_apart=True)
    whole = _import(twins, "twin", [("a.csv", text)], read_apart=False)
    assert again.repeats > 0 and again.imported + again.repeats >= whole.imported
    assert _stored(twins, "andro") == _stored(twins, "twin")
    with twins.db.transaction(read_only=True) as session:
        assert ledger.verify(session=session).intact


def test_an_unexpected_error_in_the_reader_is_raised_here_and_prints_no_traceback(
    twins: Runtime, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(context):  # type: ignore[no-untyped-def]
        def check(read):  # type: ignore[no-untyped-def]
            raise TypeError("a reader's bug")

        return check

    monkeypatch.setattr(imports, "_checker", broken)
    with pytest.raises(TypeError, match="a reader's bug"):
        _import(twins, "andro", [("a.csv", FIXTURES["asterisk"][0])], read_apart=True)
    assert "Traceback" not in capfd.readouterr().err


def test_where_no_process_can_be_forked_the_files_are_read_here(
    twins: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(imports, "_read_apart", None)  # would fail if called
    text = FIXTURES["asterisk"][0]
    report = _import(twins, "andro", [("a.csv", text)], read_apart=True)
    assert report.imported > 0
