"""Organisation admins are not superusers (security review): in /admin/ an org admin sees only its
own organisation's rows, cannot grant itself superuser, and every staff role reaches exactly the
admin pages its DESIGN §5 role allows (identity.backends.RolePermissionBackend)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from identity.models import User
from identity.services import user_create
from ledger.services import card_payment_post
from tests.customers.factories import CustomerFactory
from tests.identity.factories import PASSWORD
from tests.payments.factories import PaymentFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def login(role: str, org, email: str | None = None) -> tuple[Client, User]:
    """A staff user made by the product's own service, logged in through the real backends."""
    user = user_create(email=email or f"{role}@{org.slug}.example", password=PASSWORD, role=role,
                       organization=org, is_staff=True)
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client, user


@pytest.fixture
def two_orgs(org, other_org):
    rows = {}
    for o in (org, other_org):
        payment = PaymentFactory(customer=CustomerFactory(organization=o))
        entry = card_payment_post(organization=o, source_type="payment", source_id=f"src_{o.slug}",
                                  amount_cents=1000, fee_cents=59, currency="usd",
                                  stripe_reference=f"ch_{o.slug}", date=None)
        event = WebhookEvent.objects.create(stripe_event_id=f"evt_{o.slug}_isolation", type="charge.succeeded",
                                            created=timezone.now(), payload={}, organization=o)
        rows[o.slug] = {"payment": payment, "customer": payment.customer, "entry": entry, "event": event}
    return rows


def test_org_admins_made_by_the_service_and_the_demo_seed_are_not_superusers(org, monkeypatch, tmp_path):
    from oracle_ledger import embedded

    _, admin = login("admin", org)
    assert admin.is_staff and not admin.is_superuser
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)  # the seed writes its credentials file there
    call_command("seed_demo", stdout=StringIO())
    demo_admin = User.objects.get(email="admin@demo.oracle-ledger.local")
    assert demo_admin.is_staff and not demo_admin.is_superuser


@pytest.mark.parametrize("kind, url, id_attr", [
    ("payment", "/admin/payments/payment/", "public_id"),
    ("customer", "/admin/customers/customer/", "public_id"),
    ("entry", "/admin/ledger/journalentry/", "public_id"),
    ("event", "/admin/webhooks/webhookevent/", "stripe_event_id"),
])
def test_an_org_admin_sees_only_its_organisation_rows(org, two_orgs, kind, url, id_attr):
    client, _ = login("admin", org)
    mine, theirs = two_orgs["acme"][kind], two_orgs["globex"][kind]
    listing = client.get(url)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert getattr(mine, id_attr) in page and getattr(theirs, id_attr) not in page
    assert client.get(f"{url}{mine.pk}/change/").status_code == 200
    other = client.get(f"{url}{theirs.pk}/change/")
    assert other.status_code in (302, 404) and getattr(theirs, id_attr) not in other.content.decode()


def test_the_organisation_filter_does_not_list_other_organisations(org, other_org, two_orgs):
    client, _ = login("admin", org)
    for url in ("/admin/ledger/journalentry/", "/admin/webhooks/webhookevent/", "/admin/identity/user/"):
        page = client.get(url).content.decode()
        assert "Globex" not in page, url


def test_trial_balance_export_covers_only_the_own_organisation(org, other_org, two_orgs):
    from ledger.models import Account

    client, _ = login("admin", org)
    theirs = Account.objects.filter(organization=other_org).first()
    response = client.post("/admin/ledger/account/", {"action": "export_trial_balance",
                                                      "_selected_action": [theirs.pk]})
    assert response.status_code == 302 and not response.get("Content-Type", "").startswith("text/csv")
    mine = Account.objects.filter(organization=org).first()
    response = client.post("/admin/ledger/account/", {"action": "export_trial_balance", "_selected_action": [mine.pk]})
    assert response["Content-Type"].startswith("text/csv") and "acme" in response["Content-Disposition"]


def test_an_org_admin_cannot_make_itself_superuser(org, other_org):
    client, admin = login("admin", org)
    page = client.get(f"/admin/identity/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(f"/admin/identity/user/{admin.pk}/change/", {
        "email": admin.email, "organization": org.pk, "role": "admin", "is_active": "on", "is_staff": "on",
        "is_superuser": "on", "groups": [], "user_permissions": [], "first_name": "", "last_name": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    admin.refresh_from_db()
    assert not admin.is_superuser and admin.organization == org
    # Nor move a user to another organisation.
    response = client.post(f"/admin/identity/user/{admin.pk}/change/", {
        "email": admin.email, "organization": other_org.pk, "role": "admin", "is_active": "on", "is_staff": "on"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    admin.refresh_from_db()
    assert admin.organization == org


def test_an_org_admin_cannot_touch_a_platform_superuser_of_its_organisation(org):
    root = User.objects.create_superuser("root@example.com", PASSWORD, organization=org)
    client, _ = login("admin", org)
    assert root.email not in client.get("/admin/identity/user/").content.decode()
    assert client.get(f"/admin/identity/user/{root.pk}/password/").status_code in (302, 404)


ALLOWED = {
    "admin": {"payments/payment", "customers/customer", "ach/achpayment", "direct_deposit/recipient",
              "ledger/journalentry", "webhooks/webhookevent", "audit/auditentry", "identity/user", "identity/apikey"},
    "accountant": {"payments/payment", "customers/customer", "ach/achpayment", "direct_deposit/recipient",
                   "ledger/journalentry"},
    "finance_manager": {"payments/payment", "customers/customer", "ach/achpayment", "direct_deposit/recipient",
                        "ledger/journalentry"},
    "compliance_officer": {"payments/payment", "customers/customer", "ach/achpayment", "direct_deposit/recipient",
                           "audit/auditentry"},
    "auditor": {"payments/payment", "customers/customer", "ach/achpayment", "direct_deposit/recipient",
                "ledger/journalentry", "audit/auditentry"},
    "user": set(),
}
PAGES = sorted(set().union(*ALLOWED.values()) | {"identity/organization"})


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_opens_exactly_the_admin_pages_it_may(org, role):
    client, _ = login(role, org)
    for page in PAGES:
        expected = 200 if page in ALLOWED[role] else 403
        assert client.get(f"/admin/{page}/").status_code == expected, (role, page)
