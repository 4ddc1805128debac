"""POST /api/auth/login, /refresh and /logout (the guide's Authentication section, DESIGN §9)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_record
from identity.serializers import (
    LoginInput,
    LoginOutput,
    LogoutOutput,
    RefreshOutput,
    RefreshTokenInput,
    UserOutput,
)
from identity.services import login_failure_audit
from identity.tokens import access_for, refresh_validate, tokens_for
from oracle_ledger.actors import Actor
from oracle_ledger.api.authentication import client_ip
from oracle_ledger.api.ratelimit import login_failure_note, login_failures_guard
from oracle_ledger.errors import AuthenticationRequiredError

LOGIN_FAILED = "Invalid email or password."  # one message: never says whether the email exists


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=LoginInput, responses=LoginOutput, summary="Exchange email and password for a JWT", tags=["auth"])
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        email, password = data.validated_data["email"], data.validated_data["password"]
        login_failures_guard(request._request, email)
        # ModelBackend hashes the password even for an unknown email, so timing does not tell either.
        user = authenticate(request._request, username=email, password=password)
        if user is None:
            login_failure_note(request._request, email)
            login_failure_audit(request=request, email=email)
            raise AuthenticationRequiredError(LOGIN_FAILED)
        update_last_login(None, user)
        access, refresh = tokens_for(user)
        actor = Actor.for_user(user, ip=client_ip(request._request))
        audit_record(actor=actor, action="auth.login", target_type="user", target_id=user.public_id,
                     organization=user.organization, request=request)
        return Response({"token": access, "expiresIn": settings.JWT_TTL_TEXT, "user": UserOutput(user).data,
                         "refreshToken": refresh})



class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=RefreshTokenInput, responses=RefreshOutput, summary="A new access token from a refresh token", tags=["auth"])
    def post(self, request):
        data = RefreshTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, user = refresh_validate(data.validated_data["refreshToken"])
        return Response({"token": access_for(user), "expiresIn": settings.JWT_TTL_TEXT})


class LogoutView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=RefreshTokenInput, responses=LogoutOutput, summary="Blacklist a refresh token", tags=["auth"])
    def post(self, request):
        data = RefreshTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        refresh, user = refresh_validate(data.validated_data["refreshToken"])
        refresh.blacklist()
        audit_record(actor=Actor.for_user(user, ip=client_ip(request._request)), action="auth.logout",
                     target_type="user", target_id=user.public_id, organization=user.organization, request=request)
        return Response({"loggedOut": True})
