"""The NACHA rules a debit must pass before anything is stored (DESIGN §8). Every failing field is
named at once (one VALIDATION_ERROR with a list), except a bank account disabled by a return, which
answers with the ACH code of the return that disabled it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ach import banking_days
from ach.exceptions import ERROR_FOR_DISABLING_CODE, AchRuleError
from ach.models import AchPayment, AchReturn
from customers.models import PaymentMethod
from oracle_ledger.errors import ValidationFailedError

CONSUMER_CODES = ("PPD", "WEB", "TEL")
CORPORATE_CODES = ("CCD", "CTX")
AUTHORIZATION_CODES = ("WEB", "TEL")


def problems(*, payment_method: PaymentMethod, class_code: str, currency: str, requested: dt.date,
             today: dt.date) -> list[dict[str, Any]]:
    found = []
    if currency != "usd":
        found.append({"field": "currency", "reason": "ACH debits are in USD only", "value": currency})
    if payment_method.type != PaymentMethod.Type.US_BANK_ACCOUNT:
        found.append({"field": "paymentMethodId", "reason": "ACH debits need a us_bank_account payment method, "
                      f"not a {payment_method.type}", "value": payment_method.public_id})
    else:
        found += _class_code_problems(payment_method, class_code)
    if requested < today:
        found.append({"field": "scheduledDate", "reason": f"Must be today ({today.isoformat()}) or later",
                      "value": requested.isoformat()})
    return found


def _class_code_problems(pm: PaymentMethod, class_code: str) -> list[dict[str, Any]]:
    found = []
    holder = pm.bank_account_holder_type
    if class_code in CORPORATE_CODES and holder != "company":
        found.append({"field": "achClassCode", "reason": f"{class_code} debits a business account; this account "
                      f"holder is {holder or 'unknown'}", "value": class_code})
    if class_code in CONSUMER_CODES and holder != "individual":
        found.append({"field": "achClassCode", "reason": f"{class_code} debits a consumer account; this account "
                      f"holder is {holder or 'unknown'} (use CCD or CTX)", "value": class_code})
    if class_code in AUTHORIZATION_CODES and not pm.stripe_mandate_id:
        found.append({"field": "achClassCode", "reason": f"{class_code} debits need a recorded authorization "
                      "(a mandate on the payment method)", "value": class_code})
    return found


def ensure_debitable(*, payment_method: PaymentMethod, class_code: str, currency: str, requested: dt.date,
                     today: dt.date) -> None:
    ensure_account_usable(payment_method)
    found = problems(payment_method=payment_method, class_code=class_code, currency=currency,
                     requested=requested, today=today)
    if found:
        raise ValidationFailedError("The ACH payment breaks the ACH rules.", details=found)


def ensure_account_usable(pm: PaymentMethod) -> None:
    """A bank account disabled by a return answers with that return's ACH code."""
    if pm.status == PaymentMethod.Status.ACTIVE:
        return
    ret = (AchReturn.objects.filter(ach_payment__payment_method=pm, return_code__in=ERROR_FOR_DISABLING_CODE)
           .select_related("ach_payment").order_by("-returned_at").first())
    if ret is not None:
        raise disabled_error(ret, pm)
    raise ValidationFailedError(details=[{"field": "paymentMethodId", "reason": f"Payment method is {pm.status}",
                                          "value": pm.public_id}])


def disabled_error(ret: AchReturn, pm: PaymentMethod) -> AchRuleError:
    error = ERROR_FOR_DISABLING_CODE[ret.return_code]
    return error(details={"returnCode": ret.return_code, "returnReason": ret.return_reason,
                          "originalPaymentId": ret.ach_payment.public_id, "paymentMethodId": pm.public_id})


def scheduled_for(requested: dt.date) -> tuple[dt.date, dt.date]:
    """(the banking day it runs on, its estimated settlement date)."""
    day = banking_days.next_banking_day(requested)
    return day, banking_days.estimated_settlement(day)


def statuses_before(status: str) -> tuple[str, ...]:
    """Forward-only moves: scheduled -> processing -> succeeded | failed | canceled."""
    order = {AchPayment.Status.SCHEDULED: (), AchPayment.Status.PROCESSING: (AchPayment.Status.SCHEDULED,)}
    return order.get(status, (AchPayment.Status.SCHEDULED, AchPayment.Status.PROCESSING))
