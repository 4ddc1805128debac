"""`manage.py verify_audit_log` finds what was done behind the triggers' back."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from audit.services import audit_record
from tests.audit.helpers import tamper

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit_log", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def chain():
    return [audit_record(actor=None, action=f"thing.step{i}", changes={"step": i}) for i in range(6)]


def test_an_empty_log_is_intact():
    assert verify().splitlines() == ["intact: 0 entries"]


def test_an_untouched_chain_is_intact(chain):
    lines = verify("--batch-size", "4").splitlines()
    assert lines == ["intact: 6 entries", f"head hash: {chain[-1].hash}"]


def test_an_altered_row_is_named_as_a_hash_mismatch(chain):
    tamper("UPDATE audit_auditentry SET changes = '{\"step\": 99}'::jsonb WHERE id = %s", [chain[3].pk])
    with pytest.raises(CommandError) as caught:
        verify("--batch-size", "2")
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert f"broken at {chain[3].public_id} (entry 4): hash mismatch" in message
    assert "altered" in message


def test_an_altered_row_with_a_recomputed_hash_breaks_the_next_link(chain):
    from audit.chain import entry_hash
    from audit.models import AuditEntry

    forged = {**AuditEntry.objects.values().get(pk=chain[2].pk), "action": "thing.forged"}
    tamper("UPDATE audit_auditentry SET action = %s, hash = %s WHERE id = %s",
           ["thing.forged", entry_hash(forged), chain[2].pk])
    with pytest.raises(CommandError, match=f"broken at {chain[3].public_id} \\(entry 4\\): prev_hash link broken"):
        verify()


def test_a_deleted_row_is_named_as_a_broken_link(chain):
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [chain[2].pk])
    with pytest.raises(CommandError) as caught:
        verify()
    assert caught.value.returncode == 1
    assert f"broken at {chain[3].public_id} (entry 3): prev_hash link broken" in str(caught.value)
    assert f"expected {chain[1].hash}, found {chain[2].hash}" in str(caught.value)


def test_a_deleted_first_row_is_found(chain):
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [chain[0].pk])
    with pytest.raises(CommandError, match=f"broken at {chain[1].public_id} \\(entry 1\\): prev_hash link broken"):
        verify()


def test_an_anchored_head_that_is_still_there_passes(chain):
    assert verify("--anchor", chain[3].hash, "--anchor", chain[5].hash).startswith("intact: 6 entries")


def test_removing_the_newest_rows_is_found_through_a_kept_head_hash(chain):
    head = chain[-1].hash
    tamper("DELETE FROM audit_auditentry WHERE id >= %s", [chain[4].pk])
    assert verify().startswith("intact: 4 entries")  # the shortened chain is still linear
    with pytest.raises(CommandError, match=f"anchor {head} is no longer in the chain") as caught:
        verify("--anchor", head)
    assert caught.value.returncode == 1
