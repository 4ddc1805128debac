"""The guide's Payment Processing API: thin views that parse, call one service or selector, and
serialise (STYLE §3). Every POST honours Idempotency-Key (DESIGN §5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from oracle_ledger.api import idempotency
from oracle_ledger.api.idempotency import idempotent
from oracle_ledger.api.permissions import Capability
from payments import selectors, serializers, services

READ, CREATE = Capability.PAYMENTS_READ, Capability.PAYMENTS_CREATE
TAGS = ["payments"]



class PaymentListCreateView(APIView):
    required_capability = {"GET": READ, "POST": CREATE}

    @extend_schema(summary="List payments (cursor pagination)", tags=TAGS)
    def get(self, request):
        page = selectors.payment_list(actor=request.actor, params=request.query_params)
        return Response({"payments": [serializers.payment_list_item(p) for p in page["payments"]],
                         "hasMore": page["hasMore"]})

    @extend_schema(request=serializers.PaymentCreateInput, summary="Create (and confirm) a payment", tags=TAGS)
    @idempotent
    def post(self, request):
        form = serializers.PaymentCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        customer = selectors.chargeable_customer(actor=request.actor, public_id=args["customerId"])
        pm = selectors.chargeable_payment_method(customer=customer, public_id=args.get("paymentMethodId"))
        request_key, fingerprint = idempotency.request_key(request)
        payment = services.payment_create(
            actor=request.actor, customer=customer, payment_method=pm, amount_cents=args["amount"],
            currency=args["currency"], description=args["description"],
            statement_descriptor=args["statementDescriptor"], receipt_email=args.get("receiptEmail", ""),
            metadata=args["metadata"], confirm=args["confirm"], request_key=request_key,
            request_fingerprint=fingerprint)
        return Response(serializers.payment_data(payment))  # the guide answers 200 here


class PaymentDetailView(APIView):
    required_capability = READ

    @extend_schema(summary="Retrieve a payment", tags=TAGS)
    def get(self, request, payment_id: str):
        return Response(serializers.payment_data(selectors.payment_get(actor=request.actor, public_id=payment_id)))


class PaymentConfirmView(APIView):
    required_capability = CREATE

    @extend_schema(request=None, summary="Confirm a payment created with confirm=false", tags=TAGS)
    @idempotent
    def post(self, request, payment_id: str):
        payment = selectors.payment_get(actor=request.actor, public_id=payment_id, capability=CREATE)
        return Response(serializers.payment_data(services.payment_confirm(actor=request.actor, payment=payment)))


class PaymentCancelView(APIView):
    required_capability = CREATE

    @extend_schema(request=None, summary="Cancel an unconfirmed payment", tags=TAGS)
    @idempotent
    def post(self, request, payment_id: str):
        payment = selectors.payment_get(actor=request.actor, public_id=payment_id, capability=CREATE)
        return Response(serializers.payment_data(services.payment_cancel(actor=request.actor, payment=payment)))


class PaymentRefundView(APIView):
    required_capability = CREATE

    @extend_schema(request=serializers.RefundCreateInput, summary="Refund a payment", tags=TAGS)
    @idempotent
    def post(self, request, payment_id: str):
        payment = selectors.payment_get(actor=request.actor, public_id=payment_id, capability=CREATE)
        form = serializers.RefundCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        request_key, fingerprint = idempotency.request_key(request)
        refund = services.payment_refund(actor=request.actor, payment=payment, amount_cents=args.get("amount"),
                                         reason=args["reason"], metadata=args["metadata"], request_key=request_key,
                                         request_fingerprint=fingerprint)
        return Response(serializers.refund_data(refund))
