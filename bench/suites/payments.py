"""Card payments (issue 7): POST /api/v1/payments with an API key against the sandbox Stripe (16
concurrent clients), and the cursor-paginated list over a million payments of one organisation."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid

from bench.harness import Context, Load, Request, benchmark

MILLION = 1_000_000
LIST_ORG = "bench-payments-1m"
CLIENTS = 16


def _org_and_key(slug: str, role: str = "admin"):
    from identity.models import Organization
    from identity.services import api_key_create
    from oracle_ledger.actors import Actor

    org, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": slug})
    secret = api_key_create(name="bench", role=role, organization=org, actor=Actor.system(organization=org)).secret
    return org, {"X-API-Key": secret}


def _customers_with_cards(org, count: int) -> list[str]:
    """Customers made through the customers service (sandbox Stripe customer and `tok_visa` card,
    the default), so each payment charges a real sandbox PaymentMethod."""
    from customers.services import customer_create
    from oracle_ledger.actors import Actor

    actor = Actor.system(organization=org, name="bench")
    run = uuid.uuid4().hex[:8]
    return [customer_create(actor=actor, fields={"first_name": "Bench", "last_name": f"Payer{i}",
                                                 "email": f"payer{i}.{run}@example.com"},
                            payment_methods=[{"type": "card", "token": "tok_visa", "isDefault": True}]).public_id
            for i in range(count)]


@benchmark("payment_create")
def payment_create(ctx: Context) -> Load:
    """Validation, the committed attempt row and its audit entry, the sandbox PaymentIntent
    (created and confirmed in process on its own connection), the charge's balance transaction,
    then status, ledger entry and audit entry in the second transaction."""
    org, headers = _org_and_key(f"bench-payments-{uuid.uuid4().hex[:8]}")
    customers = _customers_with_cards(org, CLIENTS)

    def make(i: int) -> Request:
        body = {"customerId": customers[i % CLIENTS], "amount": 2599 + i % 1000, "currency": "usd",
                "description": f"Bench invoice {i}"}
        return Request("POST", "/api/v1/payments", json.dumps(body).encode(),
                       {**headers, "Content-Type": "application/json"})

    return Load(make_request=make, concurrency=CLIENTS, max_requests=800, max_seconds=20, unit="payments")


def _million_payments(org) -> None:
    """A million succeeded/failed payments over two years by generate_series, on one customer and
    card made without Stripe (the list never calls Stripe). Kept between runs."""
    from django.db import connection

    from customers.models import Customer, PaymentMethod

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM payments_payment WHERE organization_id = %s", [org.pk])
        have = cursor.fetchone()[0]
        if have >= MILLION:
            return
        customer, _ = Customer.objects.get_or_create(
            organization=org, email="million@example.com",
            defaults={"first_name": "Million", "last_name": "Payer", "sync_state": "synced",
                      "stripe_customer_id": "cus_bench_million"})
        pm, _ = PaymentMethod.objects.get_or_create(customer=customer, stripe_payment_method_id="pm_bench_million",
                                                    defaults={"type": "card", "card_last4": "4242"})
        started = time.monotonic()
        cursor.execute("""
            INSERT INTO payments_payment (organization_id, public_id, customer_id, payment_method_id, amount_cents,
                currency, description, statement_descriptor, receipt_email, metadata, status,
                stripe_payment_intent_id, stripe_charge_id, charge_status, receipt_url, billing_details,
                failure_code, decline_code, failure_message, fee_cents, net_cents, refunded_cents,
                stripe_dispute_id, dispute_status, dispute_reason, attempt, confirm_on_create, request_key,
                request_fingerprint, created_by_api_key_id, created_at, updated_at)
            SELECT %(org)s, 'pi_b' || substr(md5(i::text || random()::text), 1, 19), %(customer)s, %(pm)s,
                   500 + i %% 100000, 'usd', 'Bench invoice ' || i, '', '', '{}',
                   CASE WHEN i %% 20 = 0 THEN 'failed' ELSE 'succeeded' END,
                   'pi_bench' || i, 'ch_bench' || i, 'succeeded', '', '{}', '', '', '', 30, 470, 0,
                   '', '', '', '', true, '', '', '', now() - (i * 63 || ' seconds')::interval, now()
            FROM generate_series(%(start)s, %(stop)s) AS i
        """, {"org": org.pk, "customer": customer.pk, "pm": pm.pk, "start": have + 1, "stop": MILLION})
        cursor.execute("ANALYZE payments_payment")
        print(f"# generated {MILLION - have} payments in {time.monotonic() - started:.0f}s", flush=True)


@benchmark("payments_list_1m")
def payments_list_1m(ctx: Context) -> Load:
    """GET /api/v1/payments over a million payments: first page, a page deep in the cursor chain,
    status=failed, and a created[gte]/[lte] window; limit 10 or 100."""
    from identity.models import Organization
    from payments.models import Payment

    org, headers = _org_and_key(LIST_ORG)
    _million_payments(Organization.objects.get(pk=org.pk))
    deep = list(Payment.objects.filter(organization=org).order_by("-created_at", "-id")
                .values_list("public_id", flat=True)[500_000:500_001])
    queries = [{"limit": 10}, {"limit": 100, "startingAfter": deep[0]}, {"status": "failed", "limit": 10},
               {"created[gte]": "2026-01-01", "created[lte]": "2026-01-31", "limit": 100}]

    def make(i: int) -> Request:
        return Request("GET", f"/api/v1/payments?{urllib.parse.urlencode(queries[i % len(queries)])}",
                       headers=headers)

    return Load(make_request=make, concurrency=8, max_requests=2000, max_seconds=20)
