"""What an entry records: redacted changes, the request's IP and id, the model-diff helper."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from audit.models import AuditEntry
from audit.services import audit_record, diff_changes
from oracle_ledger.actors import Actor
from oracle_ledger.api.context import request_id_var

pytestmark = pytest.mark.django_db

R = "[REDACTED]"


def stored(entry: AuditEntry) -> AuditEntry:
    return AuditEntry.objects.get(pk=entry.pk)


def test_an_account_number_in_changes_is_stored_redacted():
    entry = audit_record(actor=None, action="recipient.created",
                         changes={"accountNumber": "000123456789", "routingNumber": "110000000", "last4": "6789"})
    assert stored(entry).changes == {"accountNumber": R, "routingNumber": "110000000", "last4": "6789"}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"usBankAccount": {"account_number": "9876543210", "bankName": "STRIPE TEST BANK"}},
     {"usBankAccount": {"account_number": R, "bankName": "STRIPE TEST BANK"}}),
    ({"password": "hunter22", "apiKey": "x", "clientSecret": "pi_1_secret_2", "ssn": "123456789", "taxId": "12"},
     {"password": R, "apiKey": R, "clientSecret": R, "ssn": R, "taxId": R}),
    ({"note": "paid with sk_test_4eC39HqLyjWDarjtT1zdp7dc", "memo": "ssn 123-45-6789 on file"},
     {"note": R, "memo": R}),
    ({"header": "Bearer abc.def", "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig", "card": "4242424242424242"},
     {"header": R, "jwt": R, "card": R}),
    ({"refreshToken": None, "tokens": ["a", "b"]}, {"refreshToken": None, "tokens": [R, R]}),
    ({"amount": 123456789012, "prefix": "olk_test_AbCdEfGh", "routing": "110000000"},
     {"amount": 123456789012, "prefix": "olk_test_AbCdEfGh", "routing": "110000000"}),
])
def test_sensitive_values_are_redacted_by_name_or_by_look(changes, expected):
    assert stored(audit_record(actor=None, action="x", changes=changes)).changes == expected


def test_metadata_is_redacted_too():
    entry = audit_record(actor=None, action="x", metadata={"webhookSecret": "whsec_abc", "path": "/api/v1/x"})
    assert stored(entry).metadata == {"webhookSecret": R, "path": "/api/v1/x"}


def test_diff_changes_lists_changed_fields_with_sensitive_values_redacted():
    before = {"name": "Ann", "email": "a@x.io", "accountNumber": "000111", "phone": None, "same": 1}
    after = {"name": "Ann B", "email": "a@x.io", "accountNumber": "000222", "city": "Oslo", "same": 1}
    assert diff_changes(before, after) == {
        "name": {"from": "Ann", "to": "Ann B"},
        "accountNumber": {"from": R, "to": R},
        "city": {"from": None, "to": "Oslo"},
    }


def test_diff_of_a_sensitive_field_set_from_nothing_shows_that_it_was_set():
    assert diff_changes({}, {"bankName": "STRIPE TEST BANK", "account_number": "123"}) == {
        "account_number": {"from": None, "to": R}, "bankName": {"from": None, "to": "STRIPE TEST BANK"}}


def test_request_supplies_ip_and_request_id_and_forwarded_for_is_kept_only_as_unverified_metadata():
    request = RequestFactory().get("/api/v1/x", REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_FOR="1.2.3.4")
    request.request_id = "req-from-request"
    actor = Actor(type="user", id="usr_1", role="admin", ip="10.9.9.9")
    entry = stored(audit_record(actor=actor, action="x", request=request, metadata={"k": "v"}))
    assert (entry.ip, entry.request_id) == ("198.51.100.23", "req-from-request")
    assert entry.metadata == {"k": "v", "forwardedForUnverified": "1.2.3.4"}


def test_without_a_request_the_current_request_id_and_the_actors_ip_are_used():
    token = request_id_var.set("req-contextvar")
    try:
        entry = stored(audit_record(actor=Actor(type="user", id="usr_1", ip="2001:DB8::1"), action="x"))
    finally:
        request_id_var.reset(token)
    assert (entry.request_id, entry.ip) == ("req-contextvar", "2001:db8::1")


def test_an_unreadable_ip_is_recorded_as_none_rather_than_failing_the_write():
    entry = stored(audit_record(actor=Actor(type="user", id="usr_1", ip="unknown"), action="x"))
    assert entry.ip is None
