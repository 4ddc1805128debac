"""Every module here registers its benchmarks on import; add yours to the list."""

from bench.suites import platform  # noqa: F401
