"""Sandbox-only test helper (added for issue 9): an ACH debit that fails AFTER it succeeded.

Stripe's test mode has no account number for this; live, a bank can return a debit days after
Stripe reported `payment_intent.succeeded` (e.g. an R10 "not authorized" up to 60 days later).
Stripe then fails the charge: `status: failed` with the failure code, a
`failure_balance_transaction` (type `payment_failure_refund`) taking the money back out of the
balance, and a `charge.failed` event. This route does exactly that to a succeeded ACH charge:

    POST /v1/test_helpers/ach/charges/{charge}/fail   failure_code=debit_not_authorized
"""

from __future__ import annotations

from typing import Any

from stripe_sandbox import events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params
from stripe_sandbox.resources import balance, charges, testdata
from stripe_sandbox.router import SandboxRequest, route


@route("POST", r"/v1/test_helpers/ach/charges/(?P<charge_id>[^/]+)/fail")
def ach_charge_fail_late(req: SandboxRequest, charge_id: str) -> dict[str, Any]:
    p = Params(req.params, ("failure_code",))
    code = p.string("failure_code", required=True, choices=tuple(testdata.ACH_FAILURE_MESSAGES))
    charge = store.get("charge", charge_id, account=req.stripe_account, for_update=True, label="charge")
    if (charge.get("payment_method_details") or {}).get("type") != "us_bank_account" or charge["status"] != "succeeded":
        raise StripeApiError("Only a succeeded us_bank_account charge can fail late.", param="charge")
    back = balance.balance_transaction_create(
        amount=-charge["amount"], currency=charge["currency"], fee=0, source=charge["id"],
        type="payment_failure_refund", reporting_category="charge_failure",
        description="ACH Direct Debit failure (returned after success)", available_days=0,
        account=req.stripe_account)
    charges.mark_failed(charge, code=code, message=testdata.ACH_FAILURE_MESSAGES[code], reason=code,
                        outcome_type="invalid")
    charge["failure_balance_transaction"] = back["id"]
    store.save(charge)
    events.emit("charge.failed", charge, account=req.stripe_account, previous_attributes={"status": "succeeded"})
    return charge
