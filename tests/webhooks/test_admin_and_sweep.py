"""Back office for events (read-only rows, a replay action), the registry's rules, and the sweep
that rescues events whose message was lost (issue 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from tests.webhooks.helpers import event, post, process
from webhooks.models import WebhookEvent
from webhooks.registry import handles
from webhooks.services import webhook_events_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, org):
    from identity.models import User

    user = User.objects.create_superuser("root@example.com", "pw-not-used-1234", organization=org)
    client.force_login(user)
    return client


@pytest.fixture
def ignored_event(api_client) -> WebhookEvent:
    assert post(api_client, event("issuing_card.created", {"id": "ic_1", "object": "issuing.card"})).status_code == 200
    row = WebhookEvent.objects.get()
    process(row.pk)
    row.refresh_from_db()
    assert row.status == "ignored"
    return row


def test_the_event_list_filters_and_searches(staff, ignored_event):
    assert staff.get("/admin/webhooks/webhookevent/?status__exact=ignored").status_code == 200
    page = staff.get(f"/admin/webhooks/webhookevent/?q={ignored_event.stripe_event_id}")
    assert page.status_code == 200 and ignored_event.stripe_event_id.encode() in page.content


def test_an_event_page_shows_the_payload_and_takes_no_edits(staff, ignored_event):
    url = f"/admin/webhooks/webhookevent/{ignored_event.pk}/change/"
    page = staff.get(url)
    assert page.status_code == 200 and b"issuing.card" in page.content
    staff.post(url, {"status": "processed"})
    assert WebhookEvent.objects.get(pk=ignored_event.pk).status == "ignored"
    assert staff.get("/admin/webhooks/webhookevent/add/").status_code == 403
    assert staff.post(f"/admin/webhooks/webhookevent/{ignored_event.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_replay_action_requeues_through_the_service(staff, ignored_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post("/admin/webhooks/webhookevent/", {
            "action": "replay", "_selected_action": [ignored_event.pk]}, follow=True)
    assert response.status_code == 200 and b"1 event(s) queued for replay" in response.content
    ignored_event.refresh_from_db()
    assert (ignored_event.status, ignored_event.attempts) == ("received", 0) and len(callbacks) == 1
    entry = AuditEntry.objects.get(action="webhook.replayed")
    assert entry.actor_email == "root@example.com" and entry.object_id == ignored_event.stripe_event_id


def test_the_sweep_requeues_lost_and_abandoned_events_only(api_client, settings, django_capture_on_commit_callbacks):
    for _ in range(3):
        post(api_client, event("customer.created"))
    lost, abandoned, fresh = WebhookEvent.objects.order_by("pk")
    old = timezone.now() - timedelta(hours=1)
    WebhookEvent.objects.filter(pk=lost.pk).update(received_at=old)
    WebhookEvent.objects.filter(pk=abandoned.pk).update(status="processing", claimed_at=old, received_at=old)
    with django_capture_on_commit_callbacks() as callbacks:
        assert webhook_events_sweep() == 2
    assert len(callbacks) == 2


def test_a_type_cannot_be_handled_twice_and_ordering_needs_a_transaction():
    with pytest.raises(ValueError, match="already handled"):
        handles("customer.created")(lambda **kw: None)
    with pytest.raises(ValueError, match="atomic"):
        handles("test.x", ordered=True, atomic=False)
