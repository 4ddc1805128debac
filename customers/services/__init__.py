"""Customer and payment method writes (issue 6)."""

from customers.services.customers import (
    customer_create,
    customer_delete,
    customer_ensure_chargeable,
    customer_restore,
    customer_update,
    uniqueness_problems,
)
from customers.services.payment_methods import (
    customer_compliance_review_clear,
    payment_method_add,
    payment_method_disable,
    payment_method_remove,
    payment_method_set_default,
)

__all__ = ["customer_compliance_review_clear", "customer_create", "customer_delete", "customer_ensure_chargeable", "customer_restore",
           "customer_update", "payment_method_add", "payment_method_disable", "payment_method_remove", "payment_method_set_default",
           "uniqueness_problems"]
