"""A payroll run from a CSV file (the admin's upload). Python's csv module reads it; the lines go
through the same validation as the API, so every bad line is named and nothing is sent.

Columns (header row required): `employeeId` or `recipientId`, `amount` (integer cents), and
optionally `bankAccountId`, `description`. Line numbers are the file's (the header is line 1)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from direct_deposit.services.payroll import RunRequest
from oracle_ledger.errors import ValidationFailedError

REQUIRED_ONE_OF = ("employeeId", "recipientId")
KNOWN = {"employeeId", "recipientId", "amount", "bankAccountId", "description"}
CENTS = re.compile(r"-?\d+")
MAX_BYTES = 5 * 1024 * 1024


def payroll_csv_parse(*, content: bytes, payroll_id: str, description: str = "") -> RunRequest:
    """The CSV as a RunRequest; a file that cannot be read is a 422 naming the line."""
    if len(content) > MAX_BYTES:
        raise _bad([{"line": None, "field": "file", "reason": "The file is larger than 5 MB", "value": None}])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad([{"line": None, "field": "file", "reason": "The file must be UTF-8 text", "value": None}]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    problems = _header_problems(header)
    if problems:
        raise _bad(problems)
    reader.fieldnames = header
    lines, numbers = [], []
    for row in reader:
        if not any((value or "").strip() for key, value in row.items() if key is not None):
            continue  # a blank line
        numbers.append(reader.line_num)
        lines.append(_line(row))
    if not lines:
        raise _bad([{"line": None, "field": "file", "reason": "The file has no payout lines", "value": None}])
    return RunRequest(payroll_id=payroll_id, lines=lines, line_numbers=numbers, description=description,
                      source="csv")


def _header_problems(header: list[str]) -> list[dict[str, Any]]:
    problems = []
    if not any(name in header for name in REQUIRED_ONE_OF):
        problems.append({"line": 1, "field": "employeeId", "reason": "The header needs an employeeId or recipientId "
                         "column", "value": None})
    if "amount" not in header:
        problems.append({"line": 1, "field": "amount", "reason": "The header needs an amount column (cents)",
                         "value": None})
    problems += [{"line": 1, "field": name, "reason": "Unknown column", "value": name} for name in header
                 if name not in KNOWN]
    return problems


def _line(row: dict[str | None, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {}
    if None in row:  # more cells than columns: keep it so validation names the line
        line["extraCells"] = row[None]
    for key in KNOWN:
        value = (row.get(key) or "").strip()
        if value:
            line[key] = value
    amount = line.get("amount")
    if isinstance(amount, str) and CENTS.fullmatch(amount):
        line["amount"] = int(amount)  # anything else stays text and is named as not an integer
    return line


def _bad(details: list[dict[str, Any]]) -> ValidationFailedError:
    return ValidationFailedError("The payroll CSV could not be read; nothing was sent.", details=details)
