from rest_framework import serializers


class LoginInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class RefreshTokenInput(serializers.Serializer):
    refreshToken = serializers.CharField(max_length=4096)  # noqa: N815 - the guide's camelCase


class UserOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    email = serializers.EmailField()
    role = serializers.CharField()


class RefreshOutput(serializers.Serializer):
    token = serializers.CharField(help_text="The access token (JWT).")
    expiresIn = serializers.CharField(help_text='Access token lifetime, e.g. "24h".')  # noqa: N815


class LoginOutput(RefreshOutput):
    user = UserOutput()
    refreshToken = serializers.CharField()  # noqa: N815


class LogoutOutput(serializers.Serializer):
    loggedOut = serializers.BooleanField()  # noqa: N815
