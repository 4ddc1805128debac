"""Cross-cutting API machinery every endpoint shares: the envelope, errors, request ids,
pagination (and, from the identity issue on, authentication, permissions, rate limits and
idempotency)."""
