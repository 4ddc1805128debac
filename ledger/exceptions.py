"""The ledger's domain errors (mapped to the guide's envelope by oracle_ledger.api.errors)."""

from __future__ import annotations

from oracle_ledger.errors import ValidationFailedError


class UnbalancedEntryError(ValidationFailedError):
    default_message = "Journal entry lines must sum to zero per currency."


class InvalidEntryError(ValidationFailedError):
    default_message = "The journal entry is not valid."


class UnknownAccountError(ValidationFailedError):
    default_message = "The journal entry names an account that is not in the chart of accounts."
