"""Rate limits per the guide's categories (DESIGN §5): a fixed window per caller (API key, user,
else client IP) counted in Redis by django-ratelimit, so every web process shares one count.
Every /api/ response carries X-RateLimit-Limit/-Remaining/-Reset/-Window; over the limit the
request is answered 429 RATE_LIMIT_EXCEEDED before any view runs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import _split_rate, get_usage

from oracle_ledger.api.authentication import authenticate_request, client_ip
from oracle_ledger.api.middleware import envelope_response, is_api_path
from oracle_ledger.errors import AuthenticationRequiredError, RateLimitExceededError

log = logging.getLogger(__name__)

# Longest prefix first; anything else under /api/ is "general".
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("/api/auth/", "auth"),
    ("/api/v1/customers", "customers"),
    ("/api/v1/payments", "payments"),
    ("/api/v1/ach-payments", "ach"),
    ("/api/v1/direct-deposit", "direct_deposit"),
    ("/api/v1/webhooks", "webhooks"),
)
EXEMPT_PREFIXES = ("/api/health",)  # probes must never be throttled into "unhealthy"


def category_of(path: str) -> str:
    return next((name for prefix, name in CATEGORIES if path.startswith(prefix)), "general")


def caller_of(request) -> str:
    """The key a request is counted under. Bad credentials count against the client IP."""
    try:
        auth = authenticate_request(request)
    except AuthenticationRequiredError:
        auth = None
    if auth is None:
        return f"ip:{client_ip(request)}"
    return f"{auth.actor.type}:{auth.actor.id}"


def window_text(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


@dataclass(frozen=True)
class Usage:
    limit: int
    count: int
    window: int  # seconds
    reset: int  # unix time the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - int(time.time()))

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(0, self.limit - self.count)),
                "X-RateLimit-Reset": str(self.reset), "X-RateLimit-Window": str(self.window)}


def count_request(request) -> Usage | None:
    """Count this request in its category's window; None when limits are off."""
    rate = settings.RATE_LIMITS[category_of(request.path)]
    caller = caller_of(request)
    usage = get_usage(request, group=f"api:{category_of(request.path)}", key=lambda group, req: caller,
                      rate=rate, increment=True)
    if usage is None:
        return None
    if usage["time_left"] < 0:  # django-ratelimit's signal that the cache could not count
        raise ConnectionError("rate-limit counter unavailable")
    _, period = _split_rate(rate)
    return Usage(limit=usage["limit"], count=usage["count"], window=period,
                 reset=int(time.time()) + usage["time_left"])


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor, request.org = None, None
        if not settings.RATE_LIMIT_ENABLED or not is_api_path(request) or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        try:
            usage = count_request(request)
        except Exception as exc:  # noqa: BLE001 - Redis down: serve unthrottled rather than refuse all
            log.error("rate limit not counted: %s", exc)
            usage = None
        if usage is not None and usage.exceeded:
            response = envelope_response(RateLimitExceededError(details={
                "limit": usage.limit, "window": window_text(usage.window), "retryAfter": usage.retry_after}))
            response["Retry-After"] = str(usage.retry_after)
        else:
            response = self.get_response(request)
        for name, value in (usage.headers() if usage else {}).items():
            response[name] = value
        return response


def _login_failures(request, email: str, *, increment: bool) -> Usage | None:
    rate = settings.RATE_LIMITS["auth"]
    try:
        usage = get_usage(request, group="auth:login-failures", key=lambda group, req: email.strip().lower(),
                          rate=rate, increment=increment)
    except Exception as exc:  # noqa: BLE001 - as above: Redis down does not lock everyone out
        log.error("login failures not counted: %s", exc)
        return None
    if usage is None or usage["time_left"] < 0:
        return None
    return Usage(limit=usage["limit"], count=usage["count"], window=_split_rate(rate)[1],
                 reset=int(time.time()) + usage["time_left"])


def login_failures_guard(request, email: str) -> None:
    """429 once one email has had the Authentication category's limit of failed logins in the
    window, whichever addresses they came from (the per-IP limit alone lets a botnet guess)."""
    usage = _login_failures(request, email, increment=False)
    if usage is not None and usage.count >= usage.limit:
        error = RateLimitExceededError("Too many failed logins for this account; try again later.", details={
            "limit": usage.limit, "window": window_text(usage.window), "retryAfter": usage.retry_after})
        error.headers = {"Retry-After": str(usage.retry_after)}
        raise error


def login_failure_note(request, email: str) -> None:
    _login_failures(request, email, increment=True)
