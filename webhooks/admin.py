"""Back office for Stripe events (issue 8, STYLE §7): read-only rows; the one action, replay,
goes through the same service as `manage.py replay_webhooks`."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from oracle_ledger.api.authentication import actor_for
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_replay


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_event_id", "type", "status", "attempts", "error_summary", "organization", "created",
                    "received_at", "processed_at"]
    list_filter = ["status", "type", "livemode", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=stripe_event_id", "type", "=object_id", "=account"]
    list_select_related = ["organization"]
    date_hierarchy = "received_at"
    exclude = ["payload"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields if f.name != "payload"] + ["payload_pretty"]
    actions = ["replay"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # An organisation's staff see only events attributed to it; unattributed events and other
        # organisations' are the platform operators' (superusers').
        return queryset if request.user.is_superuser else queryset.filter(organization=request.user.organization)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # rows are Stripe's record; only the replay action acts on them

    def has_replay_permission(self, request) -> bool:
        # DESIGN §5: managing webhook events is the admin role's (Django: the change permission).
        return request.user.has_perm("webhooks.change_webhookevent")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Last error")
    def error_summary(self, obj: WebhookEvent) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="Payload")
    def payload_pretty(self, obj: WebhookEvent) -> str:
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(obj.payload, indent=2))

    @admin.action(description="Replay the selected events (run their handlers again)", permissions=["replay"])
    def replay(self, request, queryset):
        actor = actor_for(request)
        done = sum(webhook_event_replay(event=event, actor=actor) for event in queryset)
        skipped = queryset.count() - done
        self.message_user(request, f"{done} event(s) queued for replay"
                          + (f"; {skipped} skipped (being processed right now)." if skipped else "."),
                          level=messages.SUCCESS if not skipped else messages.WARNING)
