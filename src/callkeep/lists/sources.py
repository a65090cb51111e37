"""Where list files come from: plain files, and zip archives read member by member."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from callkeep.errors import InvalidInput


class _CappedReader:
    """A zip member's stream that refuses to expand past the archive's remaining budget."""

    def __init__(self, stream: IO[bytes], budget: list[int], archive: str) -> None:
        self.stream = stream
        self.budget = budget
        self.archive = archive

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise _zip_bomb(self.archive)
        return data


def _zip_bomb(name: str) -> InvalidInput:
    return InvalidInput.for_field(
        "file", f"{name}: the archive expands past the allowed size (a probable zip bomb)"
    )


def member_name_problem(name: str) -> str | None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in parts:
        return "a path that climbs out of the archive (..)"
    return None


def open_sources(
    paths: list[Path], names: list[str], max_unzipped: int
) -> Iterator[tuple[str, IO[bytes]]]:
    """Each text source: plain files as they are, zip archives member by member.

    Zip members named with `..` or an absolute path are refused, and so is an archive whose
    members expand (as declared, or as actually read) past `max_unzipped` bytes.
    """
    for path, name in zip(paths, names, strict=True):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                for member in members:
                    problem = member_name_problem(member.filename)
                    if problem:
                        raise InvalidInput.for_field(
                            "file", f"{name}: member {member.filename!r} is {problem}"
                        )
                if sum(m.file_size for m in members) > max_unzipped:
                    raise _zip_bomb(name)
                budget = [max_unzipped]
                for member in members:
                    with archive.open(member) as stream:
                        capped = _CappedReader(stream, budget, name)
                        yield f"{name}/{member.filename}", capped  # type: ignore[misc]
        else:
            with open(path, "rb") as handle:
                yield name, handle
