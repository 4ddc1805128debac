"""Concurrent writers never fork the chain: real threads, each on its own connection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from audit.models import GENESIS_HASH, AuditEntry
from audit.services import audit_record
from audit.verification import audit_chain_verify
from oracle_ledger.actors import Actor

THREADS, PER_THREAD = 12, 5


def _run_writers(write) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(PER_THREAD):
                write(n, i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _assert_linear_and_intact(expected: int) -> None:
    rows = list(AuditEntry.objects.order_by("id").values_list("prev_hash", "hash"))
    assert len(rows) == expected
    links = [prev for prev, _ in rows]
    assert len(set(links)) == expected, "two entries share a predecessor: the chain forked"
    assert links == [GENESIS_HASH] + [h for _, h in rows[:-1]]
    report = audit_chain_verify(batch_size=7)
    assert report.broken is None and report.count == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_linear_intact_chain():
    errors = _run_writers(lambda n, i: audit_record(actor=Actor.system(name=f"writer-{n}"), action="race.append",
                                                    target_id=f"{n}-{i}"))
    assert errors == []
    _assert_linear_and_intact(THREADS * PER_THREAD)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_inside_callers_transactions_with_rollbacks_keep_the_chain():
    def write(n: int, i: int) -> None:
        try:
            with transaction.atomic():
                audit_record(actor=Actor.system(name=f"writer-{n}"), action="race.append", target_id=f"{n}-{i}")
                if i % 2:  # the caller's write fails after its audit entry: both go
                    raise LookupError("rolled back")
        except LookupError:
            pass

    assert _run_writers(write) == []
    kept = THREADS * len([i for i in range(PER_THREAD) if not i % 2])
    _assert_linear_and_intact(kept)
    assert not AuditEntry.objects.filter(object_id__regex=r"-[13]$").exists()
