"""Organisations and users. The user table is final from the first migration: login by email,
one of the guide's six roles, one organisation."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from oracle_ledger.ids import public_id_factory


class Role(models.TextChoices):
    USER = "user", "User"
    ADMIN = "admin", "Admin"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    AUDITOR = "auditor", "Auditor"
    ACCOUNTANT = "accountant", "Accountant"
    FINANCE_MANAGER = "finance_manager", "Finance manager"


class Organization(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("org_"), editable=False)
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.ADMIN)
        fields.update(is_staff=True, is_superuser=True)
        if "organization" not in fields:
            fields["organization"], _ = Organization.objects.get_or_create(
                slug="default", defaults={"name": "Default organisation"})
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("usr_"), editable=False)
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.USER)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self) -> str:
        return self.email


class ApiKey(models.Model):
    """A service-to-service credential (DESIGN §5). Only the SHA-256 of the secret is stored: keys
    are 240 random bits, so a fast hash is enough and lookup stays one indexed equality. `prefix`
    is what people see to tell keys apart (`olk_test_ab12cd34`)."""

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("key_"), editable=False)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=32, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    role = models.CharField(max_length=32, choices=Role.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="api_keys")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one caller (DESIGN §5). Inserted (and committed) before the work
    runs, so the unique constraint decides which of two concurrent requests does the work; the
    outcome is stored afterwards for replay."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    caller = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    locked_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} ({self.state})"
