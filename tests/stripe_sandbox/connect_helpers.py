"""Builders for the Connect tests: recipients as the direct-deposit app will create them, through
the gateway (the real SDK, in-process sandbox)."""

from __future__ import annotations

import io
import itertools
import time

from django.core.management import call_command

from oracle_ledger import gateway
from stripe_sandbox import DB
from stripe_sandbox.models import SandboxObject

_keys = itertools.count()
VERIFIED_DOB = {"day": 1, "month": 1, "year": 1901}
REJECTED_DOB = {"day": 1, "month": 1, "year": 1902}
OTHER_DOB = {"day": 15, "month": 6, "year": 1985}
SUCCEEDS = "000123456789"


def key(prefix: str = "t") -> str:
    return f"{prefix}-{time.time_ns()}-{next(_keys)}"


def individual(dob: dict | None = None, **overrides) -> dict:
    person = {
        "first_name": "Jenny", "last_name": "Rosen", "email": "jenny@example.com", "phone": "+14155550123",
        "dob": dob or VERIFIED_DOB, "ssn_last_4": "0000",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701",
                    "country": "US"},
    }
    person.update(overrides)
    return person


def bank(number: str = SUCCEEDS, routing: str = "110000000") -> dict:
    return {"object": "bank_account", "country": "US", "currency": "usd", "routing_number": routing,
            "account_number": number, "account_holder_name": "Jenny Rosen", "account_holder_type": "individual"}


def recipient(*, dob: dict | None = None, number: str | None = SUCCEEDS, complete: bool = True, **fields):
    """A custom account for an individual; `complete` gives everything Stripe asks for."""
    params = {"idempotency_key": key("acct"), "email": "jenny@example.com", "individual": individual(dob)}
    if number is not None:
        params["external_account"] = bank(number)
    if complete:
        params["tos_acceptance"] = {"date": int(time.time()) - 60, "ip": "203.0.113.7"}
        params["business_profile"] = {"mcc": "8931", "product_description": "Payroll recipient"}
    params.update(fields)
    return gateway.account_create(**params)


def fund_platform(amount_cents: int) -> None:
    gateway.topup_create(idempotency_key=key("topup"), amount_cents=amount_cents)


def paid_recipient(number: str = SUCCEEDS, amount_cents: int = 10_000):
    """A verified recipient holding `amount_cents` transferred from the platform."""
    account = recipient(number=number)
    fund_platform(amount_cents)
    gateway.transfer_create(idempotency_key=key("tr"), amount_cents=amount_cents, currency="usd",
                            destination=account.id)
    return account


def advance(days: int) -> str:
    out = io.StringIO()
    call_command("stripe_sandbox", "advance", "--days", str(days), stdout=out)
    return out.getvalue()


def events_of(type_: str, object_id: str) -> list[dict]:
    rows = SandboxObject.objects.using(DB).filter(object="event", data__type=type_,
                                                  data__data__object__id=object_id).order_by("seq")
    return [row.data for row in rows]


def event_types(object_id: str) -> list[str]:
    rows = SandboxObject.objects.using(DB).filter(object="event", data__data__object__id=object_id).order_by("seq")
    return [row.data["type"] for row in rows]

