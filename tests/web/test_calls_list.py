"""The calls list pages newest first in a stable order (start time, then id): its next and
previous links carry the position, an offset lands on the same page as the links, and a
forged position is a clear error."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_login import make_user, sign_in

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records.calls import service as calls
from callkeep.records.models import Call
from callkeep.records.schemas import CallIn

CALL_LINK = re.compile(r'href="/calls/([0-9a-z]+)"')


def record(rt: Runtime, count: int) -> list[str]:
    """`count` calls over the last nine days and today, three at each start time (ties);
    returns their ids newest first, as the list orders them."""
    now = utcnow().replace(microsecond=0)
    batch = [
        CallIn.model_validate(
            {
                "seller": "acme",
                "telemarketer_name": "Claire",
                "subject": "heat pumps",
                "consumer_or_business": "consumer",
                "outbound": True,
                "prerecorded": False,
                "calling_number": "+12077840100",
                "called_number": f"+1207784{1000 + i:04d}",
                "started_at": (now - timedelta(hours=(i // 3) * 2, seconds=1)).isoformat(),
                "duration_seconds": 30,
                "caller_id_number": "+12077840100",
                "disposition": "no_answer",
            }
        )
        for i in range(count)
    ]
    with rt.db.transaction() as s:
        calls.record_calls(session=s, actor="test", calls=batch)
        return list(s.scalars(select(Call.id).order_by(Call.started_at.desc(), Call.id.desc())))


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def test_next_and_previous_walk_every_call_once_in_order(client: TestClient, rt: Runtime) -> None:
    expected = record(rt, 130)
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    pages: list[list[str]] = []
    path: str | None = "/calls"
    while path is not None:
        page = client.get(path)
        assert page.status_code == 200, page.text
        pages.append(CALL_LINK.findall(page.text))
        assert "130 calls" in page.text
        path = link(page.text, "next")
    assert [len(p) for p in pages] == [50, 50, 30]
    assert [i for p in pages for i in p] == expected
    assert "101–130 shown" in page.text
    back = link(page.text, "prev")
    assert back is not None and "after=" in back
    middle = client.get(back).text
    assert CALL_LINK.findall(middle) == pages[1] and "51–100 shown" in middle
    first = client.get(link(middle, "prev") or "").text
    assert CALL_LINK.findall(first) == pages[0] and link(first, "prev") is None
    for offset, index in ((50, 1), (100, 2)):
        by_offset = client.get(f"/calls?offset={offset}").text
        assert CALL_LINK.findall(by_offset) == pages[index]
    # a deep offset is sought through the days' counts: the same calls as a plain OFFSET
    assert CALL_LINK.findall(client.get("/calls?offset=77").text) == expected[77:127]
    assert CALL_LINK.findall(client.get("/calls?offset=500").text) == []


def test_a_forged_position_is_refused_with_a_page_naming_it(
    client: TestClient, rt: Runtime
) -> None:
    record(rt, 3)
    make_user(rt, "cora", "compliance")
    sign_in(client, "cora")
    for bad in ("yesterday~abc", "2026-11-30T10:00:00~a'b", "2026-11-30T10:00:00Z"):
        answer = client.get("/calls", params={"before": bad})
        assert answer.status_code == 422 and "before" in answer.text, bad
    assert client.get("/calls", params={"after": "x"}).status_code == 422
