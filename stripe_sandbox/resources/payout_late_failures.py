"""Sandbox-only test helper: a payout that fails AFTER it was reported `paid`.

Stripe documents that a bank can return a payout after Stripe marked it paid: the payout becomes
`failed` with a failure code, a `payout_failure` balance transaction gives the money back to the
connected account, the bank account turns `errored`, and `payout.failed` follows `payout.paid`.
Stripe's test mode has no account number for this; this route does exactly that to a paid payout:

    POST /v1/test_helpers/payouts/{payout}/fail   failure_code=account_closed   (Stripe-Account header)
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params
from stripe_sandbox.resources import _funds, external_accounts
from stripe_sandbox.resources.payouts import FAILURE_MESSAGES, _account_of, _changed
from stripe_sandbox.router import SandboxRequest, route


@route("POST", r"/v1/test_helpers/payouts/(?P<payout_id>[^/]+)/fail")
def payout_fail_late(req: SandboxRequest, payout_id: str) -> dict[str, Any]:
    p = Params(req.params, ("failure_code",))
    code = p.string("failure_code", required=True, choices=tuple(FAILURE_MESSAGES))
    account_id = _account_of(req)["id"]
    payout = store.get("payout", payout_id, account=account_id, for_update=True)
    if payout["status"] != "paid":
        raise StripeApiError(f"This payout is {payout['status']}: only a paid payout can fail late.", param="payout")
    before = copy.deepcopy(payout)
    back = _funds.balance_transaction(account=account_id, amount=payout["amount"], currency=payout["currency"],
                                      type="payout_failure", reporting_category="payout_reversal",
                                      source=payout["id"], description=f"Payout {payout['id']} returned: {code}")
    payout.update(status="failed", failure_code=code, failure_message=FAILURE_MESSAGES[code],
                  failure_balance_transaction=back["id"])
    store.save(payout)
    external_accounts.mark_errored(payout["destination"], account_id)
    events.emit("payout.updated", payout, account=account_id, previous_attributes=_changed(before, payout))
    events.emit("payout.failed", payout, account=account_id)
    return payout
