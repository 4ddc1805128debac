"""The offline Stripe: Stripe's test mode kept in PostgreSQL (DESIGN §6).

Reached by the SDK through `client.SandboxHTTPClient` (in process) or over HTTP at
`/sandbox/stripe/v1/`. Resources live in `stripe_sandbox/resources/`, one module each, and register
their routes with `stripe_sandbox.router.route`; every module there is imported at start-up."""

DB = "stripe_sandbox"
