"""The ledger read API: access per DESIGN §5, organisation scoping, shapes of DESIGN §9, bad input."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import chart

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ledger.urls")]

BASE = "/api/v1/ledger"
PATHS = ["accounts", "journal-entries", "trial-balance", "journal-entries/export", "trial-balance/export"]


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


@pytest.mark.parametrize("role", ["admin", "auditor", "accountant", "finance_manager"])
@pytest.mark.parametrize("path", PATHS)
def test_ledger_readers_may_read(client_for, role, path):
    assert client_for(role).get(f"{BASE}/{path}").status_code == 200


@pytest.mark.parametrize("role", ["user", "compliance_officer"])
@pytest.mark.parametrize("path", PATHS)
def test_other_roles_are_refused(client_for, role, path):
    assert error_of(client_for(role).get(f"{BASE}/{path}"), 403)["code"] == "INSUFFICIENT_PERMISSIONS"


def test_anonymous_is_asked_to_authenticate(api_client):
    assert error_of(api_client.get(f"{BASE}/trial-balance"), 401)["code"] == "AUTHENTICATION_REQUIRED"


def test_journal_entry_has_the_design_shape(client_for, post):
    entry = post("pi_1", 10000, 320, date=date(2026, 5, 1))
    body = client_for("accountant").get(f"{BASE}/journal-entries/{entry.public_id}").json()["data"]
    assert body["id"] == entry.public_id
    assert body["date"] == "2026-05-01"
    assert (body["kind"], body["sourceType"], body["sourceId"]) == ("card_payment", "payment", "pi_1")
    assert body["stripeReference"] == "ch_pi_1"
    assert body["lines"] == [
        {"accountCode": chart.STRIPE_BALANCE, "accountName": "Stripe balance", "amount": 9680, "currency": "usd"},
        {"accountCode": chart.PROCESSING_FEES, "accountName": "Processing fees", "amount": 320, "currency": "usd"},
        {"accountCode": chart.SALES_REVENUE, "accountName": "Sales revenue", "amount": -10000, "currency": "usd"},
    ]


def test_another_organisations_entry_is_not_found(client_for, post, other_org):
    theirs = post("pi_x", 500, organization=other_org)
    error = error_of(client_for("admin").get(f"{BASE}/journal-entries/{theirs.public_id}"), 404)
    assert error["code"] == "RESOURCE_NOT_FOUND"


def test_list_shows_only_the_callers_organisation_newest_first(client_for, post, other_org):
    post("pi_old", 100, date=date(2026, 1, 1))
    post("pi_new", 200, date=date(2026, 2, 1))
    post("pi_theirs", 300, organization=other_org)
    body = client_for("auditor").get(f"{BASE}/journal-entries").json()["data"]
    assert [e["sourceId"] for e in body["journalEntries"]] == ["pi_new", "pi_old"]
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 2, "totalPages": 1, "hasNext": False,
                                  "hasPrevious": False}


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=refund", ["re_1"]),
    ("kind=card_payment", ["pi_2", "pi_1"]),
    ("sourceType=refund", ["re_1"]),
    ("sourceId=pi_1", ["pi_1"]),
    (f"account={chart.REFUNDS}", ["re_1"]),
    (f"account={chart.PROCESSING_FEES}", ["pi_2"]),
    ("from=2026-03-02", ["re_1", "pi_2"]),
    ("to=2026-03-02", ["pi_2", "pi_1"]),
    ("from=2026-03-02&to=2026-03-02", ["pi_2"]),
    ("stripeReference=ch_pi_1", ["pi_1"]),
])
def test_list_filters(client_for, post, query, expected):
    post("pi_1", 100, date=date(2026, 3, 1))
    post("pi_2", 1000, 59, date=date(2026, 3, 2))
    post("re_1", 100, date=date(2026, 3, 3), kind="refund")
    body = client_for("accountant").get(f"{BASE}/journal-entries?{query}").json()["data"]
    assert [e["sourceId"] for e in body["journalEntries"]] == expected


def test_list_pages(client_for, post):
    for i in range(5):
        post(f"pi_{i}", 100 + i, date=date(2026, 3, 1 + i))
    body = client_for("accountant").get(f"{BASE}/journal-entries?limit=2&page=2").json()["data"]
    assert [e["sourceId"] for e in body["journalEntries"]] == ["pi_2", "pi_1"]
    assert body["pagination"]["totalPages"] == 3 and body["pagination"]["hasNext"] is True


def test_list_query_count_does_not_grow_with_rows(client_for, post):
    client = client_for("accountant")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}/journal-entries?limit=100").status_code == 200
        return len(captured)

    post("pi_a", 100)
    few = queries()
    for i in range(30):
        post(f"pi_many_{i}", 100 + i, 30)
    assert queries() == few


def test_account_balances_as_of_a_date(client_for, post):
    post("pi_1", 1000, 59, date=date(2026, 4, 1))
    post("pi_2", 500, 45, date=date(2026, 4, 2))
    client = client_for("finance_manager")
    accounts = {a["code"]: a for a in client.get(f"{BASE}/accounts?asOf=2026-04-01").json()["data"]["accounts"]}
    assert len(accounts) == 10
    assert accounts[chart.SALES_REVENUE] == {
        "code": chart.SALES_REVENUE, "name": "Sales revenue", "type": "revenue", "normalBalance": "credit",
        "currency": "usd", "debits": 0, "credits": 1000, "balance": -1000}
    later = {a["code"]: a for a in client.get(f"{BASE}/accounts?asOf=2026-04-02").json()["data"]["accounts"]}
    assert later[chart.STRIPE_BALANCE]["balance"] == 941 + 455
    before = {a["code"]: a for a in client.get(f"{BASE}/accounts?asOf=2026-03-31").json()["data"]["accounts"]}
    assert all(a["balance"] == 0 for a in before.values())


def test_trial_balance_shows_debits_equal_credits(client_for, post):
    post("pi_1", 10000, 320, date=date(2026, 4, 1))
    post("re_1", 2500, date=date(2026, 4, 2), kind="refund")
    body = client_for("accountant").get(f"{BASE}/trial-balance?asOf=2026-04-30").json()["data"]
    assert body["asOf"] == "2026-04-30"
    rows = {row["code"]: row for row in body["accounts"]}
    assert rows[chart.STRIPE_BALANCE] == {"code": chart.STRIPE_BALANCE, "name": "Stripe balance",
                                          "debit": 7180, "credit": 0, "balance": 7180}
    assert rows[chart.SALES_REVENUE]["credit"] == 10000
    assert rows[chart.REFUNDS]["debit"] == 2500
    assert body["totalDebits"] == body["totalCredits"] == 10000
    assert body["balanced"] is True


@pytest.mark.parametrize(("path", "param"), [
    ("accounts?asOf=2026-13-01", "asOf"), ("trial-balance?asOf=yesterday", "asOf"),
    ("trial-balance?asOf=2026-02-30", "asOf"), ("journal-entries?from=01/02/2026", "from"),
    ("journal-entries?to=2026-1-1", "to"), ("journal-entries?kind=bogus", "kind"),
    ("trial-balance?currency=USD", "currency"), ("journal-entries/export?from=x", "from"),
])
def test_unreadable_parameters_are_invalid_request_naming_the_parameter(client_for, path, param):
    error = error_of(client_for("accountant").get(f"{BASE}/{path}"), 400)
    assert error["code"] == "INVALID_REQUEST"
    assert error["details"][0]["field"] == param


def test_from_after_to_is_a_validation_error(client_for):
    error = error_of(client_for("accountant").get(f"{BASE}/journal-entries?from=2026-02-02&to=2026-02-01"), 422)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == "from"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_journal_export_has_one_row_per_line_and_honours_filters(client_for, post):
    entry = post("pi_1", 1000, 59, date=date(2026, 4, 1))
    post("re_1", 100, date=date(2026, 4, 2), kind="refund")
    rows = read_csv(client_for("auditor").get(f"{BASE}/journal-entries/export?kind=card_payment"))
    assert rows[0][:3] == ["entryId", "date", "kind"]
    assert [(r[0], r[8], r[10]) for r in rows[1:]] == [
        (entry.public_id, chart.STRIPE_BALANCE, "941"), (entry.public_id, chart.PROCESSING_FEES, "59"),
        (entry.public_id, chart.SALES_REVENUE, "-1000")]


def test_journal_export_neutralises_spreadsheet_formulas(client_for, org):
    from ledger.services import journal_entry_post

    journal_entry_post(organization=org, kind="adjustment", source_type="test", source_id="=cmd()",
                       description="=HYPERLINK(\"x\")", lines=[(chart.OPERATING_BANK, 1), (chart.STRIPE_BALANCE, -1)])
    rows = read_csv(client_for("auditor").get(f"{BASE}/journal-entries/export"))
    assert rows[1][3] == "'=HYPERLINK(\"x\")" and rows[1][5] == "'=cmd()"


def test_trial_balance_export(client_for, post):
    post("pi_1", 1000, 59, date=date(2026, 4, 1))
    rows = read_csv(client_for("accountant").get(f"{BASE}/trial-balance/export?asOf=2026-04-01"))
    assert rows[0] == ["Trial balance as of 2026-04-01 (usd)"]
    assert rows[1] == ["code", "name", "debit", "credit", "balance"]
    assert rows[-1] == ["", "Total", "1000", "1000", "0"]


def test_every_ledger_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator(urlconf="tests.ledger.urls").get_schema(request=None, public=True)["paths"]
    assert {path: list(ops) for path, ops in paths.items()} == {
        f"{BASE}/{name}": ["get"] for name in ["accounts", "journal-entries", "journal-entries/export",
                                                "journal-entries/{public_id}", "trial-balance",
                                                "trial-balance/export", "reconciliation"]}
