"""Test-only endpoints: one protected view per Capability (the role matrix), `whoami`, a scoped
detail view (cross-organisation 404) and an idempotent POST whose work inserts a row."""

from __future__ import annotations

import time

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.models import Organization, User
from oracle_ledger.api.idempotency import idempotent
from oracle_ledger.api.permissions import Capability, org_scoped
from oracle_ledger.errors import ResourceNotFoundError, ValidationFailedError
from oracle_ledger.urls import urlpatterns as real_urlpatterns

FAIL_SWITCH = "idem-fail-switch"


class WhoAmIView(APIView):
    required_capability = None  # any authenticated actor

    def get(self, request):
        actor = request.actor
        return Response({"type": actor.type, "id": actor.id, "role": actor.role,
                         "org": actor.organization.public_id, "userPk": actor.user_pk})


def capability_view(capability: Capability):
    class CapabilityView(APIView):
        required_capability = capability

        def get(self, request):
            return Response({"capability": str(capability)})

    return CapabilityView.as_view()


class ScopedUserView(APIView):
    """A record fetched through org_scoped: another organisation's is simply not there."""

    required_capability = Capability.MANAGE

    def get(self, request, public_id):
        user = org_scoped(User.objects.all(), request.actor, Capability.MANAGE, owner_field=None) \
            .filter(public_id=public_id).first()
        if user is None:
            raise ResourceNotFoundError()
        return Response({"id": user.public_id})


class IdempotentCreateView(APIView):
    """POST {name, sleep?}: inserts one Organization row named `name` (not unique, so a second
    execution would show as a second row). Fails with a 500 while an organisation with the slug
    FAIL_SWITCH exists."""

    required_capability = Capability.CUSTOMERS_WRITE

    @idempotent
    def post(self, request):
        name = request.data.get("name")
        if not name:
            raise ValidationFailedError(details=[{"field": "name", "reason": "Required.", "value": name}])
        time.sleep(float(request.data.get("sleep", 0)))  # widens the race window, never asserted on
        if Organization.objects.filter(slug=FAIL_SWITCH).exists():
            raise RuntimeError("work failed after starting")
        org = Organization.objects.create(name=name, slug=f"idem-{Organization.objects.count()}-{time.time_ns()}")
        return Response({"id": org.public_id, "name": name}, status=201)


urlpatterns = [
    path("api/test/whoami", WhoAmIView.as_view()),
    *[path(f"api/test/capability/{cap.value}", capability_view(cap)) for cap in Capability],
    path("api/test/users/<str:public_id>", ScopedUserView.as_view()),
    path("api/test/idempotent", IdempotentCreateView.as_view()),
    path("api/test/idempotent-too", IdempotentCreateView.as_view()),
    *real_urlpatterns,
]

from oracle_ledger.urls import handler400, handler403, handler404, handler500  # noqa: E402,F401
