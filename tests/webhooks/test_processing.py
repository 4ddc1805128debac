"""webhook_event_process_task: claims, outcomes, retries, replays, ordering (issue 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from oracle_ledger.actors import Actor
from oracle_ledger.gateway import StripeRejected, StripeUnavailable
from tests.webhooks.helpers import event, handler, post, process
from tests.webhooks.ledger_handlers import entries_for, intent, post_payment
from webhooks.exceptions import EventIgnored
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process, webhook_event_replay

pytestmark = pytest.mark.django_db


def stored(api_client, type_: str, obj: dict | None = None, **kw) -> WebhookEvent:
    assert post(api_client, event(type_, obj, **kw)).status_code == 200
    return WebhookEvent.objects.order_by("-id").first()


def test_an_unknown_event_type_is_stored_as_ignored(api_client):
    row = stored(api_client, "issuing_card.created")
    process(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.note) == ("ignored", 1, "No handler for issuing_card.created.")
    assert row.processed_at is not None


def test_a_type_whose_owning_app_has_not_landed_is_ignored_with_a_note_for_its_replay(api_client, monkeypatch):
    # Every type issue 8 listed has its owner by now (direct deposit took payout.* last): a made-up
    # type awaiting a made-up owner keeps the note's path tested.
    from webhooks import registry

    monkeypatch.setitem(registry.AWAITING_OWNER, "issuing_card.updated", "issuing (a later issue)")
    row = stored(api_client, "issuing_card.updated", {"id": "ic_1", "object": "issuing.card"})
    process(row.pk)
    row.refresh_from_db()
    assert row.status == "ignored" and "owned by issuing (a later issue)" in row.note


def test_a_handler_result_is_recorded_with_its_organization(api_client, org):
    row = stored(api_client, "test.payment", intent(org))
    with handler("test.payment", post_payment):
        process(row.pk)
    row.refresh_from_db()
    assert (row.status, row.organization, row.last_error) == ("processed", org, "")
    assert entries_for("pi_test_1") == 1


def test_a_handler_that_fails_twice_then_succeeds_is_retried_and_posts_once(api_client, org):
    calls = []

    def flaky(*, event, obj):
        calls.append(event.attempts)
        result = post_payment(event=event, obj=obj)  # posted, then rolled back by the failure
        if len(calls) <= 2:
            raise StripeUnavailable("Stripe is down")
        return result

    row = stored(api_client, "test.payment", intent(org))
    with handler("test.payment", flaky):
        process(row.pk)
    row.refresh_from_db()
    assert calls == [1, 2, 3]
    assert (row.status, row.attempts, row.last_error) == ("processed", 3, "")
    assert entries_for("pi_test_1") == 1


def test_retries_stop_at_the_last_attempt_and_keep_the_error(api_client, org, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3

    def down(*, event, obj):
        post_payment(event=event, obj=obj)
        raise StripeUnavailable("Stripe is down")

    row = stored(api_client, "test.payment", intent(org))
    with handler("test.payment", down):
        process(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "StripeUnavailable: Stripe is down" in row.last_error
    assert "Traceback" in row.last_traceback and "def down" not in row.last_error
    assert entries_for("pi_test_1") == 0


def test_a_permanent_error_fails_at_once(api_client, org):
    def bug(*, event, obj):
        raise StripeRejected("No such payment_intent")

    row = stored(api_client, "test.payment", intent(org))
    with handler("test.payment", bug):
        process(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)


def test_a_failed_event_replayed_after_the_fix_posts_once(api_client, org, admin_actor):
    row = stored(api_client, "test.payment", intent(org))
    with handler("test.payment", lambda **kw: (_ for _ in ()).throw(ValueError("bug"))):
        process(row.pk)
    row.refresh_from_db()
    assert row.status == "failed"
    with handler("test.payment", post_payment):
        assert webhook_event_replay(event=row, actor=admin_actor) is True
        process(row.pk)
        row.refresh_from_db()
        assert row.status == "processed" and entries_for("pi_test_1") == 1
        webhook_event_replay(event=row, actor=admin_actor)  # again: runs, changes nothing
        process(row.pk)
    row.refresh_from_db()
    assert row.status == "processed" and entries_for("pi_test_1") == 1


def test_a_processed_event_is_not_claimed_again(api_client, org):
    row = stored(api_client, "test.payment", intent(org))
    calls = []
    with handler("test.payment", lambda **kw: calls.append(1)):
        process(row.pk)
        process(row.pk)  # a duplicate message
    assert calls == [1]


def test_a_fresh_claim_is_left_alone_and_a_stale_one_is_taken_over(api_client, org, settings):
    row = stored(api_client, "test.payment", intent(org))
    WebhookEvent.objects.filter(pk=row.pk).update(status="processing", claim_token="dead", attempts=1,
                                                  claimed_at=timezone.now())
    with handler("test.payment", post_payment):
        outcome = webhook_event_process(event_pk=row.pk)
        assert outcome.status == "skipped" and outcome.retry_in is not None  # come back later
        WebhookEvent.objects.filter(pk=row.pk).update(
            claimed_at=timezone.now() - settings.WEBHOOK_CLAIM_TIMEOUT - timedelta(seconds=1))
        assert webhook_event_process(event_pk=row.pk).status == "processed"
    row.refresh_from_db()
    assert row.attempts == 2 and entries_for("pi_test_1") == 1


def test_a_handler_may_ignore_an_event_with_a_reason(api_client):
    def not_ours(*, event, obj):
        raise EventIgnored("Not one of ours.")

    row = stored(api_client, "test.payment")
    with handler("test.payment", not_ours):
        process(row.pk)
    row.refresh_from_db()
    assert (row.status, row.note) == ("ignored", "Not one of ours.")


def test_succeeded_arriving_before_processing_leaves_the_state_succeeded(api_client, org):
    """The ordering rule at the registry level: a handler registered `ordered=True` never sees
    an event older than one already applied (the payments handlers re-read Stripe instead:
    test_payment_events.py)."""
    state = {}

    def record(*, event, obj):
        state[obj["id"]] = obj["status"]

    now = int(timezone.now().timestamp())
    succeeded = stored(api_client, "test.pi.succeeded", {**intent(org), "status": "succeeded"}, created=now)
    processing = stored(api_client, "test.pi.processing", {**intent(org), "status": "processing"}, created=now - 5)
    with handler("test.pi.succeeded", record, ordered=True), handler("test.pi.processing", record, ordered=True):
        process(succeeded.pk)
        process(processing.pk)
    processing.refresh_from_db()
    assert state == {"pi_test_1": "succeeded"}
    assert processing.status == "processed" and processing.note.startswith(f"Stale: {succeeded.stripe_event_id}")


def test_events_in_order_are_all_applied(api_client, org):
    seen = []
    now = int(timezone.now().timestamp())
    first = stored(api_client, "test.pi.processing", {**intent(org), "status": "processing"}, created=now - 5)
    second = stored(api_client, "test.pi.succeeded", {**intent(org), "status": "succeeded"}, created=now)
    with handler("test.pi.succeeded", lambda **kw: seen.append(kw["obj"]["status"]), ordered=True), \
            handler("test.pi.processing", lambda **kw: seen.append(kw["obj"]["status"]), ordered=True):
        process(first.pk)
        process(second.pk)
    assert seen == ["processing", "succeeded"]


def test_replay_command_replays_by_status_type_and_dates(api_client, org, capsys):
    failing = stored(api_client, "test.payment", intent(org))
    other = stored(api_client, "test.other", intent(org, "pi_other"))
    with handler("test.payment", lambda **kw: (_ for _ in ()).throw(ValueError("bug"))), \
            handler("test.other", lambda **kw: (_ for _ in ()).throw(ValueError("bug"))):
        process(failing.pk)
        process(other.pk)
    today = timezone.now().date()
    call_command("replay_webhooks", "--status", "failed", "--type", "test.payment", "--from", str(today),
                 "--to", str(today + timedelta(days=1)))
    out = capsys.readouterr().out
    assert "Replayed 1 of 1 event(s) (status=failed, type=test.payment)" in out
    failing.refresh_from_db()
    other.refresh_from_db()
    assert (failing.status, failing.attempts, other.status) == ("received", 0, "failed")


@pytest.fixture
def admin_actor(make_user):
    return Actor.for_user(make_user("admin"))
