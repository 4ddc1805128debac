"""The guide's Customer Management API: thin views that parse, call one service or selector,
and serialise."""

from __future__ import annotations

import ipaddress
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, serializers, services
from oracle_ledger.api.authentication import client_ip
from oracle_ledger.api.errors import validation_details
from oracle_ledger.api.idempotency import idempotent
from oracle_ledger.api.pagination import page_paginate
from oracle_ledger.api.permissions import Capability
from oracle_ledger.errors import ValidationFailedError

READ, WRITE = Capability.CUSTOMERS_READ, Capability.CUSTOMERS_WRITE
TAGS = ["customers"]


def _validated(serializer_class, request, *, exclude_pk: int | None = None) -> dict[str, Any]:
    """The body's fields, or one 422 naming every failing field: the serializer's rules AND the
    organisation-wide uniqueness of email and customerId (the guide shows both in one answer)."""
    form = serializer_class(data=request.data)
    details = [] if form.is_valid() else validation_details(form.errors, request.data)
    failing = {item["field"] for item in details}
    email, ledger_id = request.data.get("email"), request.data.get("customerId")
    try:
        ledger_id = int(ledger_id) if ledger_id is not None and "customerId" not in failing else None
    except (TypeError, ValueError):
        ledger_id = None
    details += services.uniqueness_problems(
        organization=request.org, email=email if isinstance(email, str) and "email" not in failing else None,
        customer_id=ledger_id, exclude_pk=exclude_pk)
    if details:
        raise ValidationFailedError("Customer validation failed", details=details)
    return form.validated_data


def _client(request) -> dict[str, Any]:
    """Who accepted a bank account's mandate: the API caller's address and user agent."""
    try:
        ip = str(ipaddress.ip_address(client_ip(request._request)))
    except ValueError:
        ip = None
    return {"client_ip": ip, "user_agent": request.headers.get("User-Agent", "")[:500]}


def _full(request, customer) -> dict[str, Any]:
    customer = selectors.customer_reload(customer)
    return serializers.customer_data(customer, payment_methods=selectors.payment_method_list(customer=customer))


class CustomerListCreateView(APIView):
    required_capability = {"GET": READ, "POST": WRITE}

    @extend_schema(summary="List customers", tags=TAGS)
    def get(self, request):
        customers = selectors.customer_list(actor=request.actor, params=request.query_params)
        return Response(page_paginate(request.query_params, customers, key="customers",
                                      serialize=serializers.customer_list_item))

    @extend_schema(request=serializers.CustomerCreateInput, summary="Create a customer", tags=TAGS)
    @idempotent
    def post(self, request):
        data = _validated(serializers.CustomerCreateInput, request)
        customer = services.customer_create(actor=request.actor, fields=serializers.customer_fields(data),
                                            payment_methods=data.get("paymentMethods"), **_client(request))
        return Response(serializers.customer_data(selectors.customer_reload(customer)), status=status.HTTP_201_CREATED)


class CustomerDetailView(APIView):
    required_capability = {"GET": READ, "PUT": WRITE, "DELETE": WRITE}

    @extend_schema(summary="Retrieve a customer", tags=TAGS)
    def get(self, request, customer_id: str):
        return Response(_full(request, selectors.customer_get(actor=request.actor, public_id=customer_id)))

    @extend_schema(request=serializers.CustomerUpdateInput, summary="Update a customer", tags=TAGS)
    def put(self, request, customer_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id, capability=WRITE)
        data = _validated(serializers.CustomerUpdateInput, request, exclude_pk=customer.pk)
        customer = services.customer_update(actor=request.actor, customer=customer,
                                            fields=serializers.customer_fields(data))
        return Response(_full(request, customer))

    @extend_schema(summary="Delete (deactivate) a customer", tags=TAGS)
    def delete(self, request, customer_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id, capability=WRITE)
        customer = services.customer_delete(actor=request.actor, customer=customer)
        return Response({"message": "Customer deleted successfully",
                         "customer": {"id": customer.public_id, "active": customer.active,
                                      "deletedAt": serializers.utc_timestamp(customer.deleted_at)}})


class PaymentMethodListCreateView(APIView):
    required_capability = {"GET": READ, "POST": WRITE}

    @extend_schema(summary="List a customer's payment methods", tags=TAGS)
    def get(self, request, customer_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id)
        return Response({"paymentMethods": [serializers.payment_method_data(pm)
                                            for pm in selectors.payment_method_list(customer=customer)]})

    @extend_schema(request=serializers.PaymentMethodInput, summary="Add a payment method", tags=TAGS)
    @idempotent
    def post(self, request, customer_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id, capability=WRITE)
        form = serializers.PaymentMethodInput(data=request.data)
        form.is_valid(raise_exception=True)
        pm = services.payment_method_add(actor=request.actor, customer=customer, method=form.validated_data,
                                         **_client(request))
        return Response(serializers.payment_method_data(pm), status=status.HTTP_201_CREATED)


class PaymentMethodDetailView(APIView):
    required_capability = WRITE

    @extend_schema(summary="Remove (detach) a payment method", tags=TAGS)
    def delete(self, request, customer_id: str, pm_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id, capability=WRITE)
        pm = selectors.payment_method_get(customer=customer, public_id=pm_id)
        pm = services.payment_method_remove(actor=request.actor, customer=customer, pm=pm)
        return Response({"message": "Payment method removed successfully",
                         "paymentMethod": serializers.payment_method_data(pm)})


class PaymentMethodDefaultView(APIView):
    required_capability = WRITE

    @extend_schema(request=None, summary="Make a payment method the customer's default", tags=TAGS)
    def post(self, request, customer_id: str, pm_id: str):
        customer = selectors.customer_get(actor=request.actor, public_id=customer_id, capability=WRITE)
        pm = selectors.payment_method_get(customer=customer, public_id=pm_id)
        services.payment_method_set_default(actor=request.actor, customer=customer, pm=pm)
        return Response(_full(request, customer))
