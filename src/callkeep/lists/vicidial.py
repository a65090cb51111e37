"""VICIdial's DNC downloads into a seller's own list, with where each entry came from.

VICIdial's `list_download.php` writes its internal list (`SYSTEM_DNC_….txt`) or a campaign's
(`DNC_<campaign>_….txt`): a `phone_number` header, then one number a line, and in AREACODE
mode ``NPAXXXXXXX`` for a whole area code. Its `vicidial_dnc` table keeps no date or source; here
the numbers become the next version of `entity:SELLER` (the file's name and digest recorded with
it, as for any list file), and each area code an entity entry whose reference names the file
and line. Numbers are read by the list parser, so a line it cannot read is reported by number.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.lists import imports, parse, service
from callkeep.lists.models import EntityListEntry
from callkeep.lists.schemas import ImportReport

SOURCE = "vicidial_dnc"


@dataclass(frozen=True)
class VicidialImport:
    """The numbers' list version (None when the files held area codes only) and the
    area-code entries."""

    numbers: ImportReport | None
    area_codes: list[EntityListEntry]


def import_dnc_download(
    *,
    session: Session,
    actor: str,
    folder: Path,
    max_unzipped: int,
    paths: list[Path],
    list_name: str,
    as_of: date | None = None,
) -> VicidialImport:
    """Imports VICIdial DNC downloads into an entity-specific list (``entity:SELLER``)."""
    name = service.list_name(list_name, session=session)
    if not name.startswith("entity:"):
        raise InvalidInput.for_field(
            "list", "a VICIdial DNC download goes to a seller's own list: --list entity:SELLER"
        )
    seller_slug = name.split(":", 1)[1]
    with tempfile.TemporaryDirectory(prefix="callkeep-vicidial-") as work:
        numbers_files: list[Path] = []
        found: list[tuple[str, int, int]] = []
        holds_numbers = False
        for index, path in enumerate(paths):
            if not path.is_file():
                raise InvalidInput.for_field("file", f"{path}: no such file")
            target = Path(work) / f"{index}.txt"
            with open(path, "rb") as source, open(target, "wb") as out:
                os.chmod(target, 0o600)  # the numbers are personal data
                lines, others = parse.split_vicidial_dnc(source, out)
            found += [(path.name, line, code) for line, code in lines]
            numbers_files.append(target)
            holds_numbers = holds_numbers or others > 0
        report = None
        if holds_numbers or not found:
            report = imports.import_list(
                session=session,
                actor=actor,
                folder=folder,
                max_unzipped=max_unzipped,
                request=imports.ImportRequest(
                    paths=numbers_files,
                    list_name=name,
                    as_of=as_of,
                    source_names=[str(p) for p in paths],
                    accessed_by=f"{actor} (VICIdial DNC download)",
                ),
            )
    entries = [
        service.add_entity_entry(
            session=session,
            actor=actor,
            seller_slug=seller_slug,
            area_code=code,
            source=SOURCE,
            reference=f"{file_name} line {line}"[:200],
        )
        for file_name, line, code in found
    ]
    return VicidialImport(report, entries)
