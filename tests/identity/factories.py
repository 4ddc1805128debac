from __future__ import annotations

import factory

from identity.models import ApiKey, Organization, Role, User

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = Role.USER
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy's signature
        if create:
            obj.save()


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """Builds through the service so the key has a real secret: `ApiKeyFactory.create_with_secret()`."""

    class Meta:
        model = ApiKey

    @classmethod
    def create_with_secret(cls, *, role: str = Role.ADMIN, organization: Organization | None = None,
                           name: str = "test key", **fields) -> tuple[ApiKey, str]:
        from identity.services import api_key_create
        from oracle_ledger.actors import Actor

        organization = organization or OrganizationFactory()
        created = api_key_create(name=name, role=role, organization=organization,
                                 actor=Actor.system(organization=organization), **fields)
        return created.api_key, created.secret
