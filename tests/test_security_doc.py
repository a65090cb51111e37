"""docs/security.md names, for each threat, the test that attacks it: each one it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_security_page_names_exists() -> None:
    page = (ROOT / "docs" / "security.md").read_text()
    named = 0
    for cell in re.findall(r"\|[^|\n]*`tests/[^|\n]*\|", page):
        current: str | None = None
        for ref in re.findall(r"`([^`]+)`", cell):
            path, _, test = ref.partition("::")
            if path:
                if not path.startswith("tests/"):
                    continue
                current = path
            assert current is not None, ref
            source = (ROOT / current).read_text()
            if test:
                assert re.search(rf"^def {re.escape(test)}\(", source, re.M), ref
            named += 1
    assert named >= 25
