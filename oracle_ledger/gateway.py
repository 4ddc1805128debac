"""The one door to Stripe (DESIGN §6, STYLE §3): the only module that imports `stripe`.

One `stripe.StripeClient`, built lazily: API version pinned, network retries on, a timeout, and an
idempotency key (derived by the caller from its own row, e.g. `f"payment-create:{payment.public_id}"`)
on every mutating call. Live mode with `STRIPE_SECRET_KEY`; sandbox mode otherwise (no key, or
one starting `sk_test_sandbox`): the same client with `SandboxHTTPClient`, which hands each request
to the in-process `stripe_sandbox` instead of the network. Stripe's errors come out as
`CardDeclined`, `StripeRejected` or `StripeUnavailable` (all `GatewayError`, code STRIPE_ERROR).

Operations are plain functions returning the SDK's StripeObjects. Payments side (engineer A) first;
Connect, transfers, payouts and test clocks (engineer B) in their own section below."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from django.conf import settings

from oracle_ledger.errors import StripeError

API_VERSION = "2026-10-28.endive"  # stripe 16.1.0's own default; bump with the SDK, on purpose
MAX_NETWORK_RETRIES = 2
SANDBOX_API_KEY = "sk_test_sandbox"
SANDBOX_BASE = "https://stripe-sandbox.invalid"
_lock = threading.Lock()
_client: stripe.StripeClient | None = None


# --- Errors ---------------------------------------------------------------------------------------

class GatewayError(StripeError):
    """Stripe said no or could not be reached. `retryable`: a task may try again later."""

    retryable = False

    def __init__(self, message: str = "", *, code: str | None = None, decline_code: str | None = None,
                 param: str | None = None, http_status: int | None = None, stripe_type: str | None = None,
                 details: Any = None):
        super().__init__(message or self.default_message, details=details if details is not None else {
            "stripeErrorCode": code, "stripeMessage": message, "declineCode": decline_code,
            "stripeType": stripe_type})
        self.stripe_code, self.decline_code, self.param = code, decline_code, param
        self.stripe_http_status = http_status


class CardDeclined(GatewayError):
    """A decline (402 from Stripe). Services record it and raise their own 402 domain error
    (STYLE §3 `PaymentDeclinedError`); uncaught, it is the guide's STRIPE_ERROR 502."""

    default_message = "The card was declined."
    payment_intent_id: str | None = None  # the intent Stripe kept (status requires_payment_method)
    charge_id: str | None = None          # the failed charge


class StripeRejected(GatewayError):
    """Stripe refused the request (our bug or bad input): retrying the same call will not help."""


class StripeUnavailable(GatewayError):
    """Network failure, Stripe 5xx or rate limit, after the SDK's own retries."""

    retryable = True
    default_message = "Stripe is unavailable."


@contextmanager
def _stripe_errors_translated() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        declined = CardDeclined(exc.user_message or str(exc), code=exc.code, param=exc.param,
                                decline_code=getattr(exc.error, "decline_code", None), http_status=exc.http_status,
                                stripe_type="CardError")
        intent = getattr(exc.error, "payment_intent", None)
        declined.payment_intent_id = getattr(intent, "id", None) if intent else None
        declined.charge_id = getattr(exc.error, "charge", None)
        raise declined from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise StripeUnavailable(exc.user_message or str(exc), code=_code(exc), http_status=exc.http_status,
                                stripe_type=type(exc).__name__) from exc
    except stripe.StripeError as exc:  # closed by default: anything else is a rejection
        raise StripeRejected(exc.user_message or str(exc), code=_code(exc), param=getattr(exc, "param", None),
                             http_status=exc.http_status, stripe_type=type(exc).__name__) from exc


def _code(exc: stripe.StripeError) -> str | None:
    # The SDK leaves `code` unset on some classes (RateLimitError); the body still has it.
    return exc.code or getattr(exc.error, "code", None)


# --- The client -------------------------------------------------------------------------------------

class SandboxHTTPClient(stripe.HTTPClient):
    """Hands the SDK's request to the in-process sandbox (no socket). A simulated timeout or
    connection failure becomes the SDK's retryable `APIConnectionError`, so the SDK's own retry
    (same Idempotency-Key) is what recovers, as it would against api.stripe.com."""

    name = "stripe_sandbox"

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        from stripe_sandbox.client import handle

        body, status, response_headers, lost = handle(method, url, headers, post_data)
        if lost:
            raise stripe.APIConnectionError(
                "Unexpected error communicating with Stripe (sandbox failure injection: the connection "
                "was lost).", should_retry=True)
        return body, status, response_headers

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        return self.request(method, url, headers, post_data)

    def _sleep_time_seconds(self, num_retries: int) -> float:
        # Nothing on the other side needs time to recover; keep the SDK's retry loop, not its waits.
        return 0.01 * num_retries

    def close(self):
        pass


def is_sandbox() -> bool:
    return settings.STRIPE_SANDBOX


def client() -> stripe.StripeClient:
    """The process-wide client (thread-safe: the SDK keeps no per-request state on it)."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = _build_client()
    return _client


def reset_client() -> None:
    """Forget the client (tests that change STRIPE_* settings)."""
    global _client
    _client = None


def _build_client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE
    options: dict[str, Any] = {"stripe_version": API_VERSION, "max_network_retries": MAX_NETWORK_RETRIES}
    if base:
        options["base_addresses"] = {"api": base, "connect": base, "files": base}
    if is_sandbox() and not base:
        http_client: stripe.HTTPClient = SandboxHTTPClient()
        # Never resolved (the transport is in process); it makes SDK logs say where calls went.
        options["base_addresses"] = {name: SANDBOX_BASE for name in ("api", "connect", "files")}
    else:
        http_client = stripe.RequestsClient(timeout=getattr(settings, "STRIPE_TIMEOUT", 30))
    api_key = settings.STRIPE_SECRET_KEY or SANDBOX_API_KEY
    return stripe.StripeClient(api_key, http_client=http_client, **options)


def _write(key: str) -> dict[str, Any]:
    if not key:
        raise ValueError("every mutating Stripe call needs an idempotency key")
    return {"idempotency_key": key}


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


# --- Payments side (engineer A) ---------------------------------------------------------------------

def customer_create(*, idempotency_key: str, email: str | None = None, name: str | None = None,
                    phone: str | None = None, description: str | None = None,
                    address: dict[str, Any] | None = None, metadata: dict[str, str] | None = None,
                    payment_method_id: str | None = None):
    params = _clean({"email": email, "name": name, "phone": phone, "description": description,
                     "address": address, "metadata": metadata, "payment_method": payment_method_id})
    with _stripe_errors_translated():
        return client().v1.customers.create(params=params, options=_write(idempotency_key))


def customer_retrieve(customer_id: str):
    with _stripe_errors_translated():
        return client().v1.customers.retrieve(customer_id)


def customer_update(customer_id: str, *, idempotency_key: str, **fields: Any):
    """`fields` as Stripe names them (email, name, phone, address, metadata, description,
    invoice_settings={"default_payment_method": "pm_…"}); "" unsets a field."""
    with _stripe_errors_translated():
        return client().v1.customers.update(customer_id, params=fields, options=_write(idempotency_key))


def customer_delete(customer_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.customers.delete(customer_id, options=_write(idempotency_key))


def customer_list(*, email: str | None = None, limit: int = 10, starting_after: str | None = None):
    with _stripe_errors_translated():
        return client().v1.customers.list(params=_clean({"email": email, "limit": limit,
                                                         "starting_after": starting_after}))


# --- Connect, transfers, payouts, test clocks (engineer B) -------------------------------------------
# Connected accounts are Stripe custom accounts of individuals (direct-deposit recipients). Money is
# in integer cents (`amount_cents`). Calls made on a connected account take `stripe_account`.

def _on(stripe_account: str, idempotency_key: str | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"stripe_account": stripe_account}
    if idempotency_key is not None:
        options.update(_write(idempotency_key))
    return options


def account_create(*, idempotency_key: str, email: str | None = None, individual: dict[str, Any] | None = None,
                   external_account: dict[str, Any] | str | None = None,
                   tos_acceptance: dict[str, Any] | None = None, business_profile: dict[str, Any] | None = None,
                   capabilities: tuple[str, ...] = ("transfers",), metadata: dict[str, str] | None = None):
    """A US custom account for an individual. `individual` as Stripe names it (first_name, last_name,
    email, phone, dob {day, month, year}, ssn_last_4, address {...}); `external_account` a
    `bank_account` hash (object, country, currency, routing_number, account_number,
    account_holder_name, account_holder_type) or a `btok_…` token; `tos_acceptance` {date, ip}."""
    params = _clean({
        "type": "custom", "country": "US", "email": email, "business_type": "individual",
        "individual": individual, "external_account": external_account, "tos_acceptance": tos_acceptance,
        "business_profile": business_profile, "metadata": metadata,
        "capabilities": {name: {"requested": True} for name in capabilities},
    })
    with _stripe_errors_translated():
        return client().v1.accounts.create(params=params, options=_write(idempotency_key))


def account_retrieve(account_id: str):
    with _stripe_errors_translated():
        return client().v1.accounts.retrieve(account_id)


def account_update(account_id: str, *, idempotency_key: str, **fields: Any):
    """`fields` as Stripe names them (email, individual, external_account, tos_acceptance, ...)."""
    with _stripe_errors_translated():
        return client().v1.accounts.update(account_id, params=fields, options=_write(idempotency_key))


def account_delete(account_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.accounts.delete(account_id, options=_write(idempotency_key))


def account_list(*, limit: int = 10, starting_after: str | None = None):
    with _stripe_errors_translated():
        return client().v1.accounts.list(params=_clean({"limit": limit, "starting_after": starting_after}))


def account_person_list(account_id: str):
    with _stripe_errors_translated():
        return client().v1.accounts.persons.list(account_id)


def account_person_update(account_id: str, person_id: str, *, idempotency_key: str, **fields: Any):
    with _stripe_errors_translated():
        return client().v1.accounts.persons.update(account_id, person_id, params=fields,
                                                    options=_write(idempotency_key))


def external_account_create(account_id: str, *, idempotency_key: str, external_account: dict[str, Any] | str,
                            default_for_currency: bool | None = None, metadata: dict[str, str] | None = None):
    params = _clean({"external_account": external_account, "default_for_currency": default_for_currency,
                     "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.accounts.external_accounts.create(account_id, params=params,
                                                              options=_write(idempotency_key))


def external_account_retrieve(account_id: str, bank_account_id: str):
    with _stripe_errors_translated():
        return client().v1.accounts.external_accounts.retrieve(account_id, bank_account_id)


def external_account_list(account_id: str, *, limit: int = 10):
    with _stripe_errors_translated():
        return client().v1.accounts.external_accounts.list(account_id, params={"limit": limit})


def external_account_update(account_id: str, bank_account_id: str, *, idempotency_key: str, **fields: Any):
    """e.g. `default_for_currency=True`, `account_holder_name=...`, `metadata={...}`."""
    with _stripe_errors_translated():
        return client().v1.accounts.external_accounts.update(account_id, bank_account_id, params=fields,
                                                              options=_write(idempotency_key))


def external_account_delete(account_id: str, bank_account_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.accounts.external_accounts.delete(account_id, bank_account_id,
                                                              options=_write(idempotency_key))


def transfer_create(*, idempotency_key: str, amount_cents: int, currency: str, destination: str,
                    description: str | None = None, transfer_group: str | None = None,
                    metadata: dict[str, str] | None = None):
    """Platform balance -> connected account `destination` (needs its `transfers` capability active)."""
    params = _clean({"amount": amount_cents, "currency": currency, "destination": destination,
                     "description": description, "transfer_group": transfer_group, "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.transfers.create(params=params, options=_write(idempotency_key))


def transfer_retrieve(transfer_id: str):
    with _stripe_errors_translated():
        return client().v1.transfers.retrieve(transfer_id)


def transfer_list(*, destination: str | None = None, transfer_group: str | None = None, limit: int = 10,
                  starting_after: str | None = None):
    params = _clean({"destination": destination, "transfer_group": transfer_group, "limit": limit,
                     "starting_after": starting_after})
    with _stripe_errors_translated():
        return client().v1.transfers.list(params=params)


def transfer_reversal_create(transfer_id: str, *, idempotency_key: str, amount_cents: int | None = None,
                             description: str | None = None, metadata: dict[str, str] | None = None):
    """Take (part of) a transfer back from the connected account (default: all that is left)."""
    params = _clean({"amount": amount_cents, "description": description, "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.transfers.reversals.create(transfer_id, params=params, options=_write(idempotency_key))


def transfer_reversal_list(transfer_id: str, *, limit: int = 10):
    with _stripe_errors_translated():
        return client().v1.transfers.reversals.list(transfer_id, params={"limit": limit})


def topup_create(*, idempotency_key: str, amount_cents: int, currency: str = "usd",
                 description: str | None = None, metadata: dict[str, str] | None = None):
    """Fund the platform's available balance (what transfers spend)."""
    params = _clean({"amount": amount_cents, "currency": currency, "description": description,
                     "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.topups.create(params=params, options=_write(idempotency_key))


def payout_create(*, stripe_account: str, idempotency_key: str, amount_cents: int, currency: str,
                  destination: str | None = None, description: str | None = None,
                  statement_descriptor: str | None = None, metadata: dict[str, str] | None = None):
    """A standard payout from connected account `stripe_account` to its bank account
    (`destination`, default: its default external account for `currency`)."""
    params = _clean({"amount": amount_cents, "currency": currency, "destination": destination,
                     "description": description, "statement_descriptor": statement_descriptor,
                     "metadata": metadata, "method": "standard"})
    with _stripe_errors_translated():
        return client().v1.payouts.create(params=params, options=_on(stripe_account, idempotency_key))


def payout_retrieve(payout_id: str, *, stripe_account: str):
    with _stripe_errors_translated():
        return client().v1.payouts.retrieve(payout_id, options=_on(stripe_account))


def payout_list(*, stripe_account: str, status: str | None = None, limit: int = 10,
                starting_after: str | None = None):
    params = _clean({"status": status, "limit": limit, "starting_after": starting_after})
    with _stripe_errors_translated():
        return client().v1.payouts.list(params=params, options=_on(stripe_account))


def payout_cancel(payout_id: str, *, stripe_account: str, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.payouts.cancel(payout_id, options=_on(stripe_account, idempotency_key))


def stripe_test_clock_create(*, idempotency_key: str, frozen_time: int, name: str | None = None):
    with _stripe_errors_translated():
        return client().v1.test_helpers.test_clocks.create(params=_clean({"frozen_time": frozen_time, "name": name}),
                                                           options=_write(idempotency_key))


def stripe_test_clock_retrieve(test_clock_id: str):
    with _stripe_errors_translated():
        return client().v1.test_helpers.test_clocks.retrieve(test_clock_id)


def stripe_test_clock_list(*, limit: int = 10):
    with _stripe_errors_translated():
        return client().v1.test_helpers.test_clocks.list(params={"limit": limit})


def stripe_test_clock_advance(test_clock_id: str, *, idempotency_key: str, frozen_time: int):
    """Advances the (one) sandbox clock to `frozen_time`, running the daily work and due transitions."""
    with _stripe_errors_translated():
        return client().v1.test_helpers.test_clocks.advance(test_clock_id, params={"frozen_time": frozen_time},
                                                            options=_write(idempotency_key))


def stripe_test_clock_delete(test_clock_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.test_helpers.test_clocks.delete(test_clock_id, options=_write(idempotency_key))


def payment_method_create_card(*, idempotency_key: str, token: str | None = None,
                               number: str | None = None, exp_month: int | None = None,
                               exp_year: int | None = None, cvc: str | None = None,
                               billing_details: dict[str, Any] | None = None,
                               metadata: dict[str, str] | None = None):
    """A card from a test token (`tok_visa`) or, in test mode, a raw test number."""
    card = {"token": token} if token else _clean({"number": number, "exp_month": exp_month,
                                                  "exp_year": exp_year, "cvc": cvc})
    params = _clean({"type": "card", "card": card, "billing_details": billing_details, "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.payment_methods.create(params=params, options=_write(idempotency_key))


def payment_method_create_us_bank_account(*, idempotency_key: str, routing_number: str, account_number: str,
                                          account_holder_name: str, account_holder_type: str = "individual",
                                          account_type: str = "checking", email: str | None = None,
                                          metadata: dict[str, str] | None = None):
    params = _clean({
        "type": "us_bank_account",
        "us_bank_account": {"routing_number": routing_number, "account_number": account_number,
                            "account_holder_type": account_holder_type, "account_type": account_type},
        "billing_details": _clean({"name": account_holder_name, "email": email}), "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.payment_methods.create(params=params, options=_write(idempotency_key))


def payment_method_retrieve(payment_method_id: str):
    with _stripe_errors_translated():
        return client().v1.payment_methods.retrieve(payment_method_id)


def payment_method_attach(payment_method_id: str, *, customer_id: str, idempotency_key: str):
    """Attach (a `pm_card_…` shortcut id makes and attaches a new PaymentMethod)."""
    with _stripe_errors_translated():
        return client().v1.payment_methods.attach(payment_method_id, params={"customer": customer_id},
                                                  options=_write(idempotency_key))


def payment_method_detach(payment_method_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.payment_methods.detach(payment_method_id, options=_write(idempotency_key))


def payment_method_list(*, customer_id: str, type: str | None = None, limit: int = 100):
    with _stripe_errors_translated():
        return client().v1.payment_methods.list(params=_clean({"customer": customer_id, "type": type,
                                                                "limit": limit}))


def _mandate_data(ip_address: str | None, user_agent: str | None) -> dict[str, Any]:
    if ip_address and user_agent:
        return {"customer_acceptance": {"type": "online",
                                        "online": {"ip_address": ip_address, "user_agent": user_agent}}}
    return {"customer_acceptance": {"type": "offline"}}


def setup_intent_create(*, customer_id: str, payment_method_id: str, idempotency_key: str,
                        payment_method_types: list[str] | None = None, mandate_ip_address: str | None = None,
                        mandate_user_agent: str | None = None, metadata: dict[str, str] | None = None):
    """Create and confirm a SetupIntent. For a bank account the mandate is recorded from the
    customer's acceptance (online: ip and user agent; otherwise offline/paper)."""
    types = payment_method_types or ["card"]
    params = _clean({"customer": customer_id, "payment_method": payment_method_id, "confirm": True,
                     "payment_method_types": types, "usage": "off_session", "metadata": metadata})
    if "us_bank_account" in types:
        params["mandate_data"] = _mandate_data(mandate_ip_address, mandate_user_agent)
    with _stripe_errors_translated():
        return client().v1.setup_intents.create(params=params, options=_write(idempotency_key))


def setup_intent_retrieve(setup_intent_id: str):
    with _stripe_errors_translated():
        return client().v1.setup_intents.retrieve(setup_intent_id)


def mandate_retrieve(mandate_id: str):
    with _stripe_errors_translated():
        return client().v1.mandates.retrieve(mandate_id)


def payment_intent_create(*, amount_cents: int, currency: str, idempotency_key: str,
                          customer_id: str | None = None, payment_method_id: str | None = None,
                          confirm: bool = True, payment_method_types: list[str] | None = None,
                          description: str | None = None, statement_descriptor_suffix: str | None = None,
                          statement_descriptor: str | None = None, receipt_email: str | None = None,
                          metadata: dict[str, str] | None = None, mandate_id: str | None = None,
                          off_session: bool | None = None):
    """Create (and by default confirm) a PaymentIntent. A decline raises `CardDeclined` (the intent
    and failed charge exist at Stripe; the intent id is in `exc.payment_intent_id`)."""
    params = _clean({
        "amount": amount_cents, "currency": currency, "customer": customer_id, "payment_method": payment_method_id,
        "confirm": confirm, "payment_method_types": payment_method_types, "description": description,
        "statement_descriptor": statement_descriptor, "statement_descriptor_suffix": statement_descriptor_suffix,
        "receipt_email": receipt_email, "metadata": metadata, "mandate": mandate_id,
        "off_session": off_session if confirm else None})
    with _stripe_errors_translated():
        return client().v1.payment_intents.create(params=params, options=_write(idempotency_key))


def payment_intent_confirm(payment_intent_id: str, *, idempotency_key: str, payment_method_id: str | None = None,
                           mandate_id: str | None = None):
    params = _clean({"payment_method": payment_method_id, "mandate": mandate_id})
    with _stripe_errors_translated():
        return client().v1.payment_intents.confirm(payment_intent_id, params=params,
                                                   options=_write(idempotency_key))


def payment_intent_cancel(payment_intent_id: str, *, idempotency_key: str, cancellation_reason: str | None = None):
    with _stripe_errors_translated():
        return client().v1.payment_intents.cancel(
            payment_intent_id, params=_clean({"cancellation_reason": cancellation_reason}),
            options=_write(idempotency_key))


def payment_intent_retrieve(payment_intent_id: str, *, expand: list[str] | None = None):
    with _stripe_errors_translated():
        return client().v1.payment_intents.retrieve(payment_intent_id, params=_clean({"expand": expand}))


def payment_intent_list(*, customer_id: str | None = None, limit: int = 10, starting_after: str | None = None):
    with _stripe_errors_translated():
        return client().v1.payment_intents.list(params=_clean({"customer": customer_id, "limit": limit,
                                                               "starting_after": starting_after}))


def charge_retrieve(charge_id: str, *, expand: list[str] | None = None):
    with _stripe_errors_translated():
        return client().v1.charges.retrieve(charge_id, params=_clean({"expand": expand}))


def refund_create(*, idempotency_key: str, payment_intent_id: str | None = None, charge_id: str | None = None,
                  amount_cents: int | None = None, reason: str | None = None,
                  metadata: dict[str, str] | None = None):
    """Refund all (amount None) or part of a charge; over-refunding is `StripeRejected`
    (code `amount_too_large` / `charge_already_refunded`)."""
    params = _clean({"payment_intent": payment_intent_id, "charge": charge_id, "amount": amount_cents,
                     "reason": reason, "metadata": metadata})
    with _stripe_errors_translated():
        return client().v1.refunds.create(params=params, options=_write(idempotency_key))


def refund_retrieve(refund_id: str):
    with _stripe_errors_translated():
        return client().v1.refunds.retrieve(refund_id)


def balance_retrieve(*, stripe_account: str | None = None):
    with _stripe_errors_translated():
        return client().v1.balance.retrieve(options=_clean({"stripe_account": stripe_account}))


def balance_transaction_retrieve(balance_transaction_id: str):
    with _stripe_errors_translated():
        return client().v1.balance_transactions.retrieve(balance_transaction_id)


def balance_transaction_list(*, created_gte: int | None = None, created_lte: int | None = None,
                             type: str | None = None, stripe_account: str | None = None,
                             expand: list[str] | None = None) -> list:
    """Every balance transaction in the period (auto-paging through Stripe's cursor pages).
    `expand=["data.source"]` brings each source object inline (the ledger attributes by its metadata)."""
    created = _clean({"gte": created_gte, "lte": created_lte})
    params = _clean({"created": created or None, "type": type, "limit": 100, "expand": expand})
    with _stripe_errors_translated():
        page = client().v1.balance_transactions.list(params=params,
                                                     options=_clean({"stripe_account": stripe_account}))
        return list(page.auto_paging_iter())


def event_retrieve(event_id: str):
    with _stripe_errors_translated():
        return client().v1.events.retrieve(event_id)


def event_list(*, type: str | None = None, created_gte: int | None = None, limit: int = 100) -> list:
    params = _clean({"type": type, "created": {"gte": created_gte} if created_gte else None, "limit": limit})
    with _stripe_errors_translated():
        return list(client().v1.events.list(params=params).auto_paging_iter())


def webhook_endpoint_create(*, url: str, enabled_events: list[str], idempotency_key: str,
                            description: str | None = None):
    """The answer carries the endpoint's signing `secret` (Stripe shows it only here)."""
    params = _clean({"url": url, "enabled_events": enabled_events, "description": description})
    with _stripe_errors_translated():
        return client().v1.webhook_endpoints.create(params=params, options=_write(idempotency_key))


def webhook_endpoint_delete(endpoint_id: str, *, idempotency_key: str):
    with _stripe_errors_translated():
        return client().v1.webhook_endpoints.delete(endpoint_id, options=_write(idempotency_key))


def webhook_endpoint_list() -> list:
    with _stripe_errors_translated():
        return list(client().v1.webhook_endpoints.list(params={"limit": 100}).auto_paging_iter())


class WebhookSignatureInvalid(GatewayError):
    """The payload's `Stripe-Signature` matches none of our secrets, or is too old (300 s)."""

    http_status, code, default_message = 400, "WEBHOOK_SIGNATURE_INVALID", "Invalid webhook signature."


WEBHOOK_TOLERANCE_SECONDS = 300


def event_construct(payload: bytes | str, sig_header: str | None, secrets: list[str] | None = None):
    """Verify a webhook (every configured secret, for rotation) and return the Event."""
    candidates = secrets if secrets is not None else list(settings.STRIPE_WEBHOOK_SECRET)
    last: Exception | None = None
    for secret in candidates:
        try:
            return stripe.Webhook.construct_event(payload, sig_header or "", secret,
                                                  tolerance=WEBHOOK_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as exc:
            last = exc
        except ValueError as exc:  # not JSON: no secret will make it valid
            raise WebhookSignatureInvalid(f"Invalid payload: {exc}") from exc
    raise WebhookSignatureInvalid(str(last) if last else "No webhook secret is configured.")
