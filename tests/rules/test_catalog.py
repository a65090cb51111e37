"""The rule data: every entry cited with its confidence, versioned, and shown by `rules show`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from callkeep.cli import app
from callkeep.rules import service
from callkeep.rules.catalog import catalog


def test_every_rule_carries_a_citation_and_a_confidence() -> None:
    for entry in service.entries():
        assert entry.citation.strip(), entry
        assert entry.confidence.strip(), entry


def test_the_rules_version_is_a_hash_of_the_data_files() -> None:
    version = catalog().version
    assert len(version) == 16
    assert all(c in "0123456789abcdef" for c in version)


def test_reason_citations_are_the_ones_the_rules_brief_gives() -> None:
    reasons = catalog().reasons
    assert reasons["national_dnc"].citation == "16 CFR 310.4(b)(1)(iii)(B)"
    assert reasons["entity_dnc"].citation == "16 CFR 310.4(b)(1)(iii)(A); 47 CFR 64.1200(d)"
    assert reasons["calling_hours"].citation == "16 CFR 310.4(c); 47 CFR 64.1200(c)(1)"


def test_rules_show_for_a_state_prints_its_rules_with_citations() -> None:
    result = CliRunner().invoke(app, ["rules", "show", "FL", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert {e["state"] for e in shown} == {"US", "FL"}
    assert {e["kind"] for e in shown} == {
        "hours",
        "frequency_cap",
        "safe_harbor",
        "ebr",
        "entity_list",
    }
    assert any(e["citation"] == "Fla. Stat. §501.616(6)(b)" for e in shown)


def test_rules_show_without_a_state_lists_every_state_of_the_brief() -> None:
    result = CliRunner().invoke(app, ["rules", "show", "--json"])
    assert result.exit_code == 0, result.output
    states = {e["state"] for e in json.loads(result.output)}
    assert set(catalog().states) <= states
    table = CliRunner().invoke(app, ["rules", "show", "RI"])
    assert "5-61-3.6" in table.output


def test_the_periods_the_law_fixes_are_cited_rules_data() -> None:
    from callkeep.checks import engine
    from callkeep.lists import service as lists_service
    from callkeep.rules import service as rules_service

    found = {entry.kind: entry for entry in rules_service.entries(state="ME")}
    assert "31 days" in found["safe_harbor"].rule
    assert "310.4(b)(3)(iv)" in found["safe_harbor"].citation
    assert "540 days" in found["ebr"].rule and "310.2(q)" in found["ebr"].citation
    assert "64.1200(d)(6)" in found["entity_list"].citation
    limits = rules_service.limits()
    # the decision and the lists read these periods from the data, not from constants of their own
    assert engine.SAFE_HARBOR_DAYS == lists_service.SAFE_HARBOR_DAYS == limits.registry_days
    assert (engine.EBR_PURCHASE_DAYS, engine.EBR_INQUIRY_DAYS) == (540, 90)
    assert lists_service.ENTITY_YEARS == limits.entity_list_years == 5
