"""The command index on disk, readable without importing typer, SQLAlchemy or any domain.

The index (built by `callkeep.kit.commands`) holds every domain command's name and help, and the
root help text as printed at each terminal width it was asked at, under a key that changes
whenever a source file of callkeep (or the Python or typer running it) changes. `callkeep --help`
and `callkeep --version` are answered from here alone (`main`); every other command line goes on
to `callkeep.cli.main`.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import sys
import zlib
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent
INDEX_NAME = "commands-index.json"
HELP_WIDTH = 80  # click wraps help at no more than 80 columns, whatever the terminal


def source_key() -> str:
    """Changes whenever a source file of callkeep (or the Python or typer running it) changes."""
    typer_spec = importlib.util.find_spec("typer")  # found, not imported
    typer_origin = typer_spec.origin if typer_spec and typer_spec.origin else ""
    typer_stamp = os.stat(typer_origin).st_mtime_ns if typer_origin else 0
    # a cache key, not a proof: two checksums, because hashlib alone takes longer to import
    # than the rest of `--help`
    head = f"{sys.version}|{typer_origin}|{typer_stamp}|{PACKAGE}"
    stack = [PACKAGE]
    entries = []
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                        stack.append(Path(entry.path))
                    elif entry.name.endswith(".py"):
                        stat = entry.stat()
                        entries.append(f"{entry.path}|{stat.st_mtime_ns}|{stat.st_size}")
        except OSError:
            continue
    text = "\n".join([head, *sorted(entries)]).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def index_paths() -> list[Path]:
    """Where the index is kept: beside the installed code, else in the user's cache folder."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [PACKAGE / "__pycache__" / INDEX_NAME, Path(cache_home) / "callkeep" / INDEX_NAME]


def read_index(key: str) -> dict[str, Any] | None:
    """The stored index for the code whose key is `key`, or None when none is current."""
    for path in index_paths():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(stored, dict) and stored.get("key") == key:
            return stored
    return None


def write_index(stored: dict[str, Any]) -> None:
    """Keeps `stored` in the first index path that can be written (atomically replaced)."""
    import tempfile

    text = json.dumps(stored)
    for path in index_paths():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=path.parent, prefix=".commands-", delete=False
            ) as out:
                out.write(text)
            os.replace(out.name, path)
            return
        except OSError:
            continue


def help_width() -> str:
    """The width the root help is wrapped at in this terminal, as the index names it."""
    # as shutil.get_terminal_size, which click asks, answers (shutil is slower to import)
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return str(min(columns or 80, HELP_WIDTH))


def stored_root_help(key: str) -> str | None:
    """The root help as printed at this terminal's width, if the current index holds it."""
    stored = read_index(key)
    text = (stored or {}).get("help", {}).get(help_width())
    return text if isinstance(text, str) else None


def keep_root_help(key: str, text: str) -> None:
    """Adds the root help as printed at this terminal's width to the current index."""
    stored = read_index(key)
    if stored is not None:
        stored.setdefault("help", {})[help_width()] = text
        write_index(stored)


_collection_paused = False


def pause_collection() -> None:
    """Pauses the cyclic garbage collector while the command's code is imported: start-up
    allocates a great deal and frees almost nothing, so the collector's passes over it are
    work for nothing (a tenth of a check's start). `resume_collection` undoes it."""
    global _collection_paused
    if gc.isenabled():
        gc.disable()
        _collection_paused = True


def resume_collection() -> None:
    """Resumes what `pause_collection` paused, once the command's code is loaded; what start-up
    made lives as long as the process, so the collector is not to scan it again."""
    global _collection_paused
    if _collection_paused:
        _collection_paused = False
        gc.freeze()
        gc.enable()


def main() -> None:
    """The installed `callkeep` command: `--version` and `--help` answered from the index,
    everything else by `callkeep.cli.main`."""
    args = sys.argv[1:]
    if args == ["--version"]:
        from callkeep import __version__

        print(f"callkeep {__version__}")
        sys.exit(0)
    if args == ["--help"]:
        key = source_key()
        text = stored_root_help(key)
        if text is None:
            from callkeep.cli import root_help

            text = root_help()
            keep_root_help(key, text)
        sys.stdout.write(text)
        sys.exit(0)
    pause_collection()  # resumed once the command is found and its code loaded (LazyRoot)
    from callkeep.cli import main as run

    run()
