from oracle_ledger.errors import ValidationFailedError


class CustomerInactiveError(ValidationFailedError):
    """The customer was deleted (DESIGN §8): it keeps its history but takes no more changes,
    payment methods or charges."""

    default_message = "The customer is deleted."

    def __init__(self, customer_public_id: str = "", **kwargs):
        kwargs.setdefault("details", [{"field": "id", "reason": "Customer is deleted", "value": customer_public_id}])
        super().__init__(**kwargs)
