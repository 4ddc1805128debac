"""Reconciliation (DESIGN §7): for a period, the ledger's entries against Stripe's balance
transactions, matched by the Stripe object id (`source` there, `stripe_reference` here).

Per Stripe object the comparison is: Stripe's summed `amount` and `fee` versus the ledger's summed
Stripe-balance lines plus its fee line (net + fee = amount). A posting may fall on another day than
Stripe's `created` (an ACH debit is booked when it settles, days after Stripe created its
transaction), so matches are looked up MATCH_WINDOW_DAYS either side of the period; only objects
of the period itself are reported.

One Stripe account serves the deployment, so an organisation's run compares only the Stripe
transactions attributed to it (ledger/services/attribution.py); one that cannot be attributed is
shown to no organisation, only to the platform-level run (`organization=None`, kind `unattributed`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from identity.models import Organization
from ledger.chart import PROCESSING_FEES, STRIPE_ACCOUNTS
from ledger.models import EntryKind, JournalEntry, JournalLine, ReconciliationRun
from ledger.services.attribution import StripeTxn, stripe_owners
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ValidationFailedError

MATCH_WINDOW_DAYS = 7
MAX_PERIOD_DAYS = 92

MISSING_IN_LEDGER, MISSING_IN_STRIPE = "missing_in_ledger", "missing_in_stripe"
AMOUNT_MISMATCH, FEE_MISMATCH = "amount_mismatch", "fee_mismatch"
UNATTRIBUTED = "unattributed"

Progress = Callable[[Iterable, int], Iterable]


@dataclass(frozen=True)
class Movement:
    reference: str
    amount_cents: int
    fee_cents: int
    currency: str


@dataclass
class Reconciliation:
    date_from: dt.date
    date_to: dt.date
    stripe_count: int = 0
    ledger_count: int = 0
    differences: list[dict] = field(default_factory=list)


def reconciliation_compare(*, stripe: Iterable[Movement], ledger: Iterable[Movement]) -> list[dict]:
    """Every difference between the two sides, per Stripe object, sorted by object id."""
    theirs, ours = _summed(stripe), _summed(ledger)
    differences = []
    for ref in sorted(theirs.keys() | ours.keys()):
        s, lg = theirs.get(ref), ours.get(ref)
        row = {"reference": ref, "currency": (s or lg).currency,
               "stripeAmount": s and s.amount_cents, "ledgerAmount": lg and lg.amount_cents,
               "stripeFee": s and s.fee_cents, "ledgerFee": lg and lg.fee_cents}
        if lg is None:
            differences.append({"kind": MISSING_IN_LEDGER, **row})
        elif s is None:
            differences.append({"kind": MISSING_IN_STRIPE, **row})
        else:
            if (s.amount_cents, s.currency) != (lg.amount_cents, lg.currency):
                differences.append({"kind": AMOUNT_MISMATCH, **row})
            if s.fee_cents != lg.fee_cents:
                differences.append({"kind": FEE_MISMATCH, **row})
    return differences


def _summed(movements: Iterable[Movement]) -> dict[str, Movement]:
    totals: dict[str, Movement] = {}
    for m in movements:
        prev = totals.get(m.reference)
        if prev is None:
            totals[m.reference] = m
        else:
            currency = prev.currency if prev.currency == m.currency else ",".join(sorted({prev.currency, m.currency}))
            totals[m.reference] = Movement(m.reference, prev.amount_cents + m.amount_cents,
                                           prev.fee_cents + m.fee_cents, currency)
    return totals


def reconciliation_period_validate(*, date_from: dt.date, date_to: dt.date) -> None:
    if date_from > date_to:
        raise ValidationFailedError("`from` must not be after `to`.", details=[
            {"field": "from", "reason": "Must not be after `to`", "value": date_from.isoformat()}])
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailedError(f"A reconciliation covers at most {MAX_PERIOD_DAYS} days.", details=[
            {"field": "to", "reason": f"At most {MAX_PERIOD_DAYS} days after `from`", "value": date_to.isoformat()}])


def reconciliation_compute(*, organization: Organization, date_from: dt.date, date_to: dt.date,
                           progress: Progress | None = None) -> Reconciliation:
    """Read both sides and compare them; writes nothing. Pages through every balance transaction
    of the period (and the match window) via the gateway, one day per call, sources expanded."""
    reconciliation_period_validate(date_from=date_from, date_to=date_to)
    window = _stripe_window(date_from, date_to, progress)
    in_period = {t.reference for t in window if date_from <= t.day <= date_to}
    ledger_refs = set(JournalEntry.objects.filter(organization=organization, date__range=(date_from, date_to))
                      .exclude(stripe_reference="").values_list("stripe_reference", flat=True))
    owners = stripe_owners(window, in_period - ledger_refs)
    refs = {ref for ref, orgs in owners.items() if organization.pk in orgs} | ledger_refs
    stripe = [_movement(t) for t in window if t.reference in refs]
    ledger = _ledger_movements(organization, refs)
    return Reconciliation(date_from=date_from, date_to=date_to, stripe_count=len({m.reference for m in stripe}),
                          ledger_count=len({m.reference for m in ledger}),
                          differences=reconciliation_compare(stripe=stripe, ledger=ledger))


def reconciliation_unattributed_compute(*, date_from: dt.date, date_to: dt.date,
                                        progress: Progress | None = None) -> Reconciliation:
    """The platform-level view (ops only, never an organisation's API): every Stripe transaction
    of the period that belongs to no organisation. `ledger_count` counts the attributed objects."""
    reconciliation_period_validate(date_from=date_from, date_to=date_to)
    window = _stripe_window(date_from, date_to, progress)
    in_period = {t.reference for t in window if date_from <= t.day <= date_to}
    owners = stripe_owners(window, in_period)
    loose = {ref for ref, orgs in owners.items() if not orgs}
    stripe = [_movement(t) for t in window if t.reference in loose]
    differences = [{**d, "kind": UNATTRIBUTED} for d in reconciliation_compare(stripe=stripe, ledger=[])]
    return Reconciliation(date_from=date_from, date_to=date_to, stripe_count=len(in_period),
                          ledger_count=len(in_period) - len(loose), differences=differences)


def reconciliation_run(*, organization: Organization | None, date_from: dt.date, date_to: dt.date, actor: Actor,
                       progress: Progress | None = None) -> ReconciliationRun:
    """Reconcile and record the run (admin page, nightly task, `manage.py reconcile`). The run row
    is committed before Stripe is read, so a crash leaves a visible `running`/`failed` run and no
    database lock is held while the gateway pages. `organization=None` is the platform-level run
    (unattributed Stripe transactions)."""
    reconciliation_period_validate(date_from=date_from, date_to=date_to)
    run = ReconciliationRun.objects.create(organization=organization, date_from=date_from, date_to=date_to,
                                           triggered_by=actor.id, request_id=actor.request_id or "")
    try:
        if organization is None:
            result = reconciliation_unattributed_compute(date_from=date_from, date_to=date_to, progress=progress)
        else:
            result = reconciliation_compute(organization=organization, date_from=date_from, date_to=date_to,
                                            progress=progress)
    except gateway.GatewayError as exc:
        _run_finish(run, actor=actor, status=ReconciliationRun.Status.FAILED, error=str(exc))
        raise
    status = ReconciliationRun.Status.DIFFERENCES if result.differences else ReconciliationRun.Status.CLEAN
    _run_finish(run, actor=actor, status=status, result=result)
    return run


def _run_finish(run: ReconciliationRun, *, actor: Actor, status: str, result: Reconciliation | None = None,
                error: str = "") -> None:
    from audit.services import audit_record

    run.status, run.finished_at, run.error = status, timezone.now(), error
    if result is not None:
        run.stripe_count, run.ledger_count = result.stripe_count, result.ledger_count
        run.differences, run.difference_count = result.differences, len(result.differences)
    with transaction.atomic():
        run.save()
        audit_record(actor=actor, action="ledger.reconciliation_run", target_type="reconciliation_run",
                     target_id=run.public_id, organization=run.organization,
                     outcome="success" if status != ReconciliationRun.Status.FAILED else "failure",
                     metadata={"from": run.date_from.isoformat(), "to": run.date_to.isoformat(), "status": status,
                               "differences": run.difference_count})


def _day_bounds(day: dt.date) -> tuple[int, int]:
    start = int(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp())
    return start, start + 86399


def _stripe_window(date_from: dt.date, date_to: dt.date, progress: Progress | None) -> list[StripeTxn]:
    """The period and MATCH_WINDOW_DAYS either side."""
    first = date_from - dt.timedelta(days=MATCH_WINDOW_DAYS)
    last = date_to + dt.timedelta(days=MATCH_WINDOW_DAYS)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    window = []
    for day in (progress(days, len(days)) if progress else days):
        gte, lte = _day_bounds(day)
        for txn in gateway.balance_transaction_list(created_gte=gte, created_lte=lte, expand=["data.source"]):
            source = txn["source"]
            obj = source.to_dict() if hasattr(source, "to_dict") else (source if isinstance(source, dict) else None)
            ref = (obj or {}).get("id") or (source if isinstance(source, str) else None) or txn["id"]
            window.append(StripeTxn(ref, day, txn["amount"], txn["fee"], txn["currency"], obj))
    return window


def _movement(txn: StripeTxn) -> Movement:
    return Movement(txn.reference, txn.amount_cents, txn.fee_cents, txn.currency)


def _ledger_movements(organization: Organization, refs: set[str]) -> list[Movement]:
    rows = (JournalLine.objects.filter(organization=organization, entry__stripe_reference__in=refs)
            .values("entry__stripe_reference", "currency")
            .annotate(net=Coalesce(Sum("amount_cents", filter=Q(account__code__in=STRIPE_ACCOUNTS)), 0),
                      # A fee Stripe bills as its own transaction is its `amount` there, not its `fee`.
                      fee=Coalesce(Sum("amount_cents", filter=Q(account__code=PROCESSING_FEES)
                                       & ~Q(entry__kind=EntryKind.STRIPE_FEE)), 0)))
    return [Movement(r["entry__stripe_reference"], r["net"] + r["fee"], r["fee"], r["currency"]) for r in rows]
