"""The installed command pauses the garbage collector while it imports the command's code, and
resumes it before the command runs."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from callkeep.cli import command_line
from callkeep.kit import command_index


@pytest.fixture()
def collector() -> Iterator[None]:
    yield
    command_index.resume_collection()
    gc.unfreeze()
    gc.enable()


def test_the_collector_runs_again_once_the_command_is_found(
    collector: None, capsys: pytest.CaptureFixture[str]
) -> None:
    command_index.pause_collection()
    assert not gc.isenabled()
    with pytest.raises(SystemExit) as exit_:
        command_line().main(args=["db", "--help"], prog_name="callkeep")
    assert exit_.value.code == 0 and "upgrade" in capsys.readouterr().out
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(collector: None) -> None:
    gc.disable()
    command_index.pause_collection()
    command_index.resume_collection()
    assert not gc.isenabled()
