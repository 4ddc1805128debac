"""The guide's Direct Deposit API, plus bank accounts, verification and payroll runs: thin views
that parse, call one service or selector, and serialise (STYLE §3). Every POST honours
Idempotency-Key (DESIGN §5); only admin and finance_manager may write (DESIGN §5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from direct_deposit import selectors, serializers, services
from direct_deposit.models import PayrollRunLine
from oracle_ledger.api import idempotency
from oracle_ledger.api.idempotency import idempotent
from oracle_ledger.api.pagination import page_paginate
from oracle_ledger.api.permissions import Capability

READ, CREATE = Capability.DIRECT_DEPOSIT_READ, Capability.DIRECT_DEPOSIT_CREATE
TAGS = ["direct deposit"]
RECIPIENT_FIELDS = {"employeeId": "employee_id", "firstName": "first_name", "lastName": "last_name",
                    "email": "email", "phone": "phone", "dateOfBirth": "date_of_birth", "ssnLast4": "ssn_last4",
                    "address": "address"}
FAILED_LINES_SHOWN = 100


class RecipientListCreateView(APIView):
    required_capability = {"GET": READ, "POST": CREATE}

    @extend_schema(summary="List direct deposit recipients (page pagination)", tags=TAGS)
    def get(self, request):
        qs = selectors.recipient_list(actor=request.actor, params=request.query_params)
        return Response(page_paginate(request.query_params, qs, key="recipients",
                                      serialize=serializers.recipient_list_item))

    @extend_schema(request=serializers.RecipientCreateInput, summary="Create a direct deposit recipient", tags=TAGS)
    @idempotent
    def post(self, request):
        form = serializers.RecipientCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        recipient = services.recipient_create(
            actor=request.actor, fields={ours: args[theirs] for theirs, ours in RECIPIENT_FIELDS.items()},
            bank_accounts=args["bankAccounts"], client_ip=request.actor.ip)
        return Response(serializers.recipient_data(recipient), status=201)


class RecipientDetailView(APIView):
    required_capability = READ

    @extend_schema(summary="Retrieve a recipient (its bank data read is audited)", tags=TAGS)
    def get(self, request, recipient_id: str):
        recipient = selectors.recipient_get(actor=request.actor, public_id=recipient_id)
        services.recipient_bank_data_viewed(actor=request.actor, recipient=recipient, request=request, via="api")
        return Response(serializers.recipient_data(recipient))


class RecipientVerifyView(APIView):
    required_capability = CREATE

    @extend_schema(request=None, summary="Refresh a recipient's verification from Stripe", tags=TAGS)
    @idempotent
    def post(self, request, recipient_id: str):
        recipient = selectors.recipient_get(actor=request.actor, public_id=recipient_id, capability=CREATE)
        services.recipient_verify(recipient=recipient, actor=request.actor)
        return Response(serializers.recipient_data(
            selectors.recipient_get(actor=request.actor, public_id=recipient_id)))


class RecipientBankAccountCreateView(APIView):
    required_capability = CREATE

    @extend_schema(request=serializers.BankAccountInput, summary="Add a bank account to a recipient", tags=TAGS)
    @idempotent
    def post(self, request, recipient_id: str):
        recipient = selectors.recipient_get(actor=request.actor, public_id=recipient_id, capability=CREATE)
        form = serializers.BankAccountInput(data=request.data)
        form.is_valid(raise_exception=True)
        bank = services.recipient_bank_account_add(actor=request.actor, recipient=recipient, raw=form.validated_data)
        return Response(serializers.bank_account_data(bank), status=201)


class RecipientBankAccountDefaultView(APIView):
    required_capability = CREATE

    @extend_schema(request=None, summary="Make a bank account the recipient's default", tags=TAGS)
    @idempotent
    def post(self, request, recipient_id: str, bank_id: str):
        recipient = selectors.recipient_get(actor=request.actor, public_id=recipient_id, capability=CREATE)
        bank = selectors.bank_account_get(recipient=recipient, public_id=bank_id)
        services.recipient_bank_account_set_default(actor=request.actor, bank=bank)
        return Response(serializers.recipient_data(
            selectors.recipient_get(actor=request.actor, public_id=recipient_id)))


class PayoutCreateView(APIView):
    required_capability = CREATE

    @extend_schema(request=serializers.PayoutCreateInput, summary="Pay a recipient (direct deposit)", tags=TAGS)
    @idempotent
    def post(self, request):
        form = serializers.PayoutCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        recipient = selectors.recipient_get(actor=request.actor, public_id=args["recipientId"], capability=CREATE,
                                            field="recipientId")
        bank = selectors.bank_account_get(recipient=recipient, public_id=args.get("bankAccountId"))
        request_key, fingerprint = idempotency.request_key(request)
        payout = services.payout_create(
            actor=request.actor, recipient=recipient, bank=bank, amount_cents=args["amount"],
            currency=args["currency"], description=args["description"],
            pay_period_start=args.get("payPeriodStart"), pay_period_end=args.get("payPeriodEnd"),
            metadata=args["metadata"], request_key=request_key, request_fingerprint=fingerprint)
        return Response(serializers.payout_data(payout))  # the guide answers 200 here


class PayoutDetailView(APIView):
    required_capability = READ

    @extend_schema(summary="Retrieve a payout's status", tags=TAGS)
    def get(self, request, payout_id: str):
        return Response(serializers.payout_data(selectors.payout_get(actor=request.actor, public_id=payout_id)))


class PayrollRunCreateView(APIView):
    required_capability = CREATE

    @extend_schema(request=serializers.PayrollRunCreateInput, tags=TAGS,
                   summary="Submit a payroll run (201 new; 200 the same payrollId and content again)")
    @idempotent
    def post(self, request):
        form = serializers.PayrollRunCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        args = form.validated_data
        run, created = services.payroll_run_submit(actor=request.actor, request=services.RunRequest(
            payroll_id=args["payrollId"], lines=args["payouts"], description=args["description"],
            currency=args["currency"], pay_period_start=args.get("payPeriodStart"),
            pay_period_end=args.get("payPeriodEnd")))
        return Response(_run_data(run), status=201 if created else 200)


class PayrollRunDetailView(APIView):
    required_capability = READ

    @extend_schema(summary="A payroll run's progress (and its failed lines)", tags=TAGS)
    def get(self, request, run_id: str):
        return Response(_run_data(selectors.payroll_run_get(actor=request.actor, public_id=run_id)))


def _run_data(run):
    failed = list(PayrollRunLine.objects.filter(run=run, result=PayrollRunLine.Result.FAILED)
                  .select_related("recipient", "payout").order_by("line_number")[:FAILED_LINES_SHOWN])
    data = serializers.payroll_run_data(run, services.payroll_run_progress(run=run))
    data["failedLines"] = serializers.payroll_run_data(run, {}, failed)["lines"]
    return data
