"""The guide's ACH Payments API: thin views that parse, call one service or selector, and
serialise (STYLE §3). Every POST honours Idempotency-Key (DESIGN §5)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ach import selectors, serializers, services
from oracle_ledger.api import idempotency
from oracle_ledger.api.idempotency import idempotent
from oracle_ledger.api.pagination import page_paginate
from oracle_ledger.api.permissions import Capability

READ, CREATE = Capability.PAYMENTS_READ, Capability.PAYMENTS_CREATE
TAGS = ["ach"]
OBJECT = OpenApiTypes.OBJECT



class AchPaymentListCreateView(APIView):
    required_capability = {"GET": READ, "POST": CREATE}

    @extend_schema(summary="List ACH payments (page pagination)", tags=TAGS, operation_id="ach_payments_list",
                   responses={200: OBJECT})
    def get(self, request):
        qs = selectors.ach_payment_list(actor=request.actor, params=request.query_params)
        return Response(page_paginate(request.query_params, qs, key="achPayments",
                                      serialize=serializers.ach_payment_list_item))

    @extend_schema(request=serializers.AchPaymentCreateInput, summary="Create an ACH debit", tags=TAGS,
                   operation_id="ach_payments_create", responses={200: OBJECT})
    @idempotent
    def post(self, request):
        form = serializers.AchPaymentCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        customer = selectors.debitable_customer(actor=request.actor, public_id=args["customerId"])
        pm = selectors.debitable_payment_method(customer=customer, public_id=args["paymentMethodId"])
        request_key, fingerprint = idempotency.request_key(request)
        payment = services.ach_payment_create(
            actor=request.actor, customer=customer, payment_method=pm, request_key=request_key,
            request_fingerprint=fingerprint, debit=services.AchDebitRequest(
                amount_cents=args["amount"], currency=args["currency"], class_code=args["achClassCode"],
                scheduled_date=args["scheduledDate"], description=args["description"],
                statement_descriptor=args["statementDescriptor"], metadata=args["metadata"]))
        return Response(serializers.ach_payment_created(payment))  # the guide answers 200


class AchPaymentDetailView(APIView):
    required_capability = READ

    @extend_schema(summary="Retrieve an ACH payment", tags=TAGS, operation_id="ach_payments_retrieve",
                   responses={200: OBJECT})
    def get(self, request, payment_id: str):
        return Response(serializers.ach_payment_data(selectors.ach_payment_get(actor=request.actor,
                                                                               public_id=payment_id)))


class AchReturnListView(APIView):
    required_capability = READ

    @extend_schema(summary="The returns of an ACH payment", tags=TAGS, operation_id="ach_payments_returns_list",
                   responses={200: OBJECT})
    def get(self, request, payment_id: str):
        payment = selectors.ach_payment_get(actor=request.actor, public_id=payment_id)
        return Response({"returns": [serializers.ach_return_data(r) for r in selectors.ach_return_list(
            payment=payment)]})


class AchPaymentRetryView(APIView):
    required_capability = CREATE

    @extend_schema(request=serializers.AchPaymentRetryInput, summary="Re-present a debit returned R01/R09",
                   tags=TAGS, operation_id="ach_payments_retry", responses={200: OBJECT})
    @idempotent
    def post(self, request, payment_id: str):
        payment = selectors.ach_payment_get(actor=request.actor, public_id=payment_id, capability=CREATE)
        form = serializers.AchPaymentRetryInput(data=request.data)
        form.is_valid(raise_exception=True)
        new = services.ach_payment_retry(actor=request.actor, payment=payment,
                                         scheduled_date=form.validated_data["scheduledDate"])
        return Response(serializers.ach_payment_created(new))
