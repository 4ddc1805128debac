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
