"""The chain: each entry links to the one before it, and the hash covers what was recorded."""

from __future__ import annotations

import pytest
from django.db import transaction

from audit.chain import entry_hash
from audit.models import GENESIS_HASH, AuditEntry
from audit.services import audit_record
from identity.models import Organization
from oracle_ledger.actors import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return Organization.objects.create(slug="acme-chain", name="Acme")


def test_first_entry_links_to_genesis_and_later_ones_to_their_predecessor(acme):
    first = audit_record(actor=Actor.system(organization=acme), action="thing.created")
    second = audit_record(actor=None, action="thing.updated", organization=acme)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.public_id.startswith("aud_") and first.hash != second.hash


def test_stored_row_rehashes_to_its_hash(acme):
    entry = audit_record(actor=Actor.system(organization=acme), action="thing.created",
                         changes={"amount": 1250, "when": "2026-01-02", "nested": {"b": [1, 2.5]}},
                         metadata={"big": 1e20, "negzero": -0.0, "small": 1e-05, "text": "a\x00b"})
    stored = AuditEntry.objects.values().get(pk=entry.pk)
    assert entry_hash(stored) == entry.hash


def test_hash_changes_when_any_recorded_field_changes(acme):
    entry = audit_record(actor=Actor.system(organization=acme), action="thing.created", target_id="x_1")
    fields = AuditEntry.objects.values().get(pk=entry.pk)
    for name, other in [("action", "thing.deleted"), ("object_id", "x_2"), ("outcome", "failure"),
                        ("changes", {"a": 1}), ("prev_hash", "1" * 64), ("ip", "10.0.0.1")]:
        assert entry_hash({**fields, name: other}) != entry.hash, name


def test_actor_none_is_recorded_as_the_system(acme):
    entry = audit_record(actor=None, action="job.ran", organization=acme)
    assert (entry.actor_type, entry.actor_id, entry.organization_public_id) == ("system", "system", acme.public_id)


def test_organization_defaults_to_the_actors(acme):
    actor = Actor(type="user", id="usr_1", role="admin", email="Ann@Example.com", organization=acme, ip="192.0.2.7")
    entry = audit_record(actor=actor, action="thing.created", target_type="thing", target_id="th_1")
    entry.refresh_from_db()
    assert entry.organization == acme and entry.organization_public_id == acme.public_id
    assert (entry.actor_email, entry.role, entry.ip) == ("ann@example.com", "admin", "192.0.2.7")
    assert (entry.object_type, entry.object_id) == ("thing", "th_1")


def test_unknown_outcome_is_a_programming_error_and_writes_nothing(acme):
    with pytest.raises(ValueError, match="outcome"):
        audit_record(actor=None, action="x", outcome="maybe")
    assert not AuditEntry.objects.exists()


def test_rolled_back_caller_transaction_leaves_no_entry_and_the_chain_continues(acme):
    kept = audit_record(actor=None, action="kept", organization=acme)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="rolled.back", organization=acme)
        raise RuntimeError("the write failed")
    after = audit_record(actor=None, action="after", organization=acme)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["kept", "after"]
    assert after.prev_hash == kept.hash
