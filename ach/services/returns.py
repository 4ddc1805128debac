"""The returns sweep (`manage.py process_ach_returns` and its beat task): asks Stripe about every
debit that may still come back and applies what it finds, for when a webhook was lost or late.

Candidates: debits `processing`, and debits that settled within the last 60 days (the NACHA window
for unauthorized consumer returns) without a return. For each, the intent and its charge are read
from Stripe (outside any transaction); a failed charge is recorded as a return exactly once
(lifecycle.ach_return_record), a settled one is posted as settled."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from ach import clock
from ach.models import AchPayment
from ach.services.lifecycle import ach_intent_apply, ach_return_record
from oracle_ledger import gateway
from oracle_ledger.actors import Actor

LATE_RETURN_WINDOW = dt.timedelta(days=60)


@dataclass
class SweepResult:
    checked: int = 0
    returns_recorded: Counter = field(default_factory=Counter)  # by return code
    rules_applied: Counter = field(default_factory=Counter)
    already_applied: int = 0
    settled: int = 0
    unreachable: int = 0

    def summary(self) -> str:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(self.returns_recorded.items())) or "none"
        rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(self.rules_applied.items())) or "none"
        return (f"Checked {self.checked} ACH debits: returns recorded {sum(self.returns_recorded.values())} "
                f"({codes}); rules applied: {rules}; already applied {self.already_applied}; "
                f"settled {self.settled}; Stripe unreachable for {self.unreachable}.")


def ach_return_candidates() -> QuerySet[AchPayment]:
    since = clock.now() - LATE_RETURN_WINDOW
    return (AchPayment.objects.filter(Q(status=AchPayment.Status.PROCESSING) |
                                      Q(status=AchPayment.Status.SUCCEEDED, settled_at__gte=since))
            .exclude(stripe_payment_intent_id="").select_related("organization", "payment_method")
            .order_by("pk"))


def ach_returns_process(*, payments: Iterable[AchPayment] | None = None,
                        progress: Callable[[Iterable[AchPayment]], Iterable[AchPayment]] = lambda it: it
                        ) -> SweepResult:
    rows = list(ach_return_candidates() if payments is None else payments)
    result = SweepResult()
    for payment in progress(rows):
        result.checked += 1
        try:
            _check(payment, result)
        except gateway.StripeUnavailable:
            result.unreachable += 1
    return result


def _check(payment: AchPayment, result: SweepResult) -> None:
    actor = Actor.system(organization=payment.organization, name="ach-returns")
    intent = gateway.payment_intent_retrieve(payment.stripe_payment_intent_id).to_dict()
    charge_id = payment.stripe_charge_id or intent.get("latest_charge") or ""
    charge = gateway.charge_retrieve(charge_id).to_dict() if charge_id else {}
    if charge.get("status") == "failed":
        ret, made = ach_return_record(payment=payment, charge_id=charge["id"],
                                      failure_code=charge.get("failure_code") or "",
                                      message=charge.get("failure_message") or "", actor=actor, source="returns_sweep")
        if made:
            result.returns_recorded[ret.return_code] += 1
            result.rules_applied[ret.rule_applied] += 1
        else:
            result.already_applied += 1
    elif payment.status == AchPayment.Status.PROCESSING and intent["status"] != "processing":
        ach_intent_apply(payment=payment, intent=intent, actor=actor, source="returns_sweep")
        result.settled += intent["status"] == "succeeded"
