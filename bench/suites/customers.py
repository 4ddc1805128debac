"""Customers (issue 6): create through the API with the sandbox Stripe, and search over a
million customers of one organisation (the GIN full-text index of customers migration 0002)."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid

from bench.harness import Context, Load, Request, benchmark

MILLION = 1_000_000
SEARCH_ORG = "bench-customers-1m"
FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
               "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen"]


def _api_key(slug: str) -> str:
    from identity.models import Organization
    from identity.services import api_key_create
    from oracle_ledger.actors import Actor

    org, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": slug})
    return api_key_create(name="bench", role="admin", organization=org,
                          actor=Actor.system(organization=org)).secret


@benchmark("customer_create")
def customer_create(ctx: Context) -> Load:
    """POST /api/v1/customers with an API key: validation, the pending row, the sandbox Stripe
    customer (in process, its own connection), the synced row and the audit entry."""
    headers = {"X-API-Key": _api_key(f"bench-customers-{uuid.uuid4().hex[:8]}")}
    run = uuid.uuid4().hex[:8]

    def make(i: int) -> Request:
        body = {"firstName": "Bench", "lastName": f"Customer{i}", "email": f"bench{i}.{run}@example.com",
                "phone": "+14155552671", "customerId": i + 1,
                "billingAddress": {"line1": "1 Main St", "city": "San Francisco", "state": "CA",
                                   "postalCode": "94105", "country": "US"}}
        return Request("POST", "/api/v1/customers", json.dumps(body).encode(), headers)

    return Load(make_request=make, concurrency=4, max_requests=600, max_seconds=20, unit="customers")


def _million_customers(org_id: int) -> None:
    """Fill the organisation with a million synced customers by generate_series (minutes, not
    hours: the GIN index is dropped for the load and rebuilt once). Kept between runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer WHERE organization_id = %s", [org_id])
        have = cursor.fetchone()[0]
        if have >= MILLION:
            return
        started = time.monotonic()
        cursor.execute("DROP INDEX IF EXISTS customer_search_gin")
        cursor.execute("""
            INSERT INTO customers_customer (organization_id, public_id, stripe_customer_id, sync_state, version,
                first_name, last_name, email, phone, metadata, active, compliance_review_required,
                compliance_review_reason, created_by_api_key_id, created_at, updated_at)
            SELECT %(org)s, 'cust_b' || substr(md5(i::text || random()::text), 1, 19),
                   'cus_bench' || i, 'synced', 1,
                   (%(names)s::text[])[1 + i %% 20], 'Surname' || (i %% 50000),
                   'user' || i || '@domain' || (i %% 1000) || '.example.com', '', '{}', true, false, '', '',
                   now() - (i || ' seconds')::interval, now()
            FROM generate_series(%(start)s, %(stop)s) AS i
        """, {"org": org_id, "names": FIRST_NAMES, "start": have + 1, "stop": MILLION})
        cursor.execute("CREATE INDEX customer_search_gin ON customers_customer "
                       "USING gin (customer_search_document(first_name, last_name, email))")
        cursor.execute("ANALYZE customers_customer")
        print(f"# generated {MILLION - have} customers in {time.monotonic() - started:.0f}s", flush=True)


@benchmark("customer_search_1m")
def customer_search_1m(ctx: Context) -> Load:
    """GET /api/v1/customers?search=… over a million customers: a surname (20 matches), an email
    prefix (1 match) and a surname prefix (~220 matches), first page of 50 with its total."""
    from identity.models import Organization

    headers = {"X-API-Key": _api_key(SEARCH_ORG)}
    _million_customers(Organization.objects.get(slug=SEARCH_ORG).pk)
    terms = [lambda i: f"surname{(i * 7919) % 50000}", lambda i: f"user{(i * 104729) % MILLION + 1}@",
             lambda i: f"james surname{(i * 31) % 500}"]

    def make(i: int) -> Request:
        query = urllib.parse.urlencode({"limit": 50, "search": terms[i % 3](i)})
        return Request("GET", f"/api/v1/customers?{query}", headers=headers)

    return Load(make_request=make, concurrency=8, max_requests=2000, max_seconds=20)
