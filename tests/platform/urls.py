"""Views that exist only in tests, to drive the API machinery through every failure."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from oracle_ledger.urls import urlpatterns as real_urlpatterns


class PublicAPIView(APIView):
    """These views test the API machinery, not authentication (which is required by default)."""

    authentication_classes: list = []
    permission_classes: list = []


class AddressInput(serializers.Serializer):
    postalCode = serializers.RegexField(r"^\d{5}$")
    country = serializers.CharField(max_length=2)


class EchoInput(serializers.Serializer):
    email = serializers.EmailField()
    amount = serializers.IntegerField(min_value=1)
    accountNumber = serializers.CharField(max_length=4)
    billingAddress = AddressInput()


class EchoView(PublicAPIView):
    def post(self, request):
        data = EchoInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"received": data.validated_data["email"]}, status=201)


class BoomView(PublicAPIView):
    def get(self, request):
        raise RuntimeError("secret internal detail 4242")


class NeedsDatabaseView(PublicAPIView):
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"ok": True})


def plain_django_boom(request):
    raise ValueError("plain view secret")


def plain_ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/test/echo", EchoView.as_view()),
    path("api/test/boom", BoomView.as_view()),
    path("api/test/needs-db", NeedsDatabaseView.as_view()),
    path("api/test/plain-boom", plain_django_boom),
    path("api/test/plain-ok", plain_ok),
    *real_urlpatterns,
]

from oracle_ledger.urls import handler400, handler403, handler404, handler500  # noqa: E402,F401
