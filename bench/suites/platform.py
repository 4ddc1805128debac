"""Platform: readiness touches PostgreSQL, Redis and the broker on every request."""

from bench.harness import Context, Load, Request, benchmark


@benchmark("health_ready")
def health_ready(ctx: Context) -> Load:
    return Load(make_request=lambda i: Request("GET", "/api/health/ready"), concurrency=8,
                max_requests=2000, max_seconds=10)
