"""Back office for organisations, users and API keys. Users and keys are managed by admins only
(role admin, or a superuser); every change is audited; a new key's secret is shown once."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.urls import reverse

from audit.services import audit_record
from identity.admin_login import GuardedAdminAuthenticationForm
from identity.models import ApiKey, Organization, Role, User
from identity.services import api_key_create, api_key_revoke
from oracle_ledger.api.authentication import actor_for


def is_identity_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.role == Role.ADMIN))


class AdminsOnlyMixin:
    def has_module_permission(self, request):
        return is_identity_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_identity_admin(request)

    def has_add_permission(self, request):
        return is_identity_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_identity_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate users and revoke keys instead: audit entries point at them

    # An organisation's admin sees and assigns only its own organisation; superusers see all.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization=request.user.organization)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(pk=request.user.organization_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "public_id", "created_at"]
    search_fields = ["name", "slug", "public_id"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(User)
class UserAdmin(AdminsOnlyMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "role", "organization", "is_active", "is_staff", "last_login"]
    list_filter = ["role", ("organization", admin.RelatedOnlyFieldListFilter), "is_active", "is_staff"]
    list_select_related = ["organization"]
    search_fields = ["email", "first_name", "last_name", "public_id"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("organization", "role", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "organization", "role", "password1", "password2")}),
    )

    # Only a superuser grants superuser, groups or raw permissions; an organisation admin cannot
    # escalate itself or anyone else, nor touch a superuser's account (e.g. reset its password).
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser", "groups", "user_permissions"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        audit_record(actor=actor_for(request), action="user.updated" if change else "user.created",
                     target_type="user", target_id=obj.public_id, organization=obj.organization,
                     changes={name: getattr(value, "public_id", value) for name, value in changed.items()},
                     request=request)


@admin.register(ApiKey)
class ApiKeyAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "prefix", "public_id", "role", "organization", "created_at", "expires_at",
                    "revoked_at", "last_used_at"]
    list_filter = ["role", ("organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["name", "prefix", "public_id"]
    fields = ["name", "role", "organization", "expires_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["public_id", "name", "prefix", "role", "organization", "created_by", "created_at", "expires_at",
                "revoked_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:  # nothing is editable after creation; revoke and create a new key instead
            return
        new = api_key_create(name=obj.name, role=obj.role, organization=obj.organization, expires_at=obj.expires_at,
                             created_by=request.user, actor=actor_for(request))
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(new.api_key, field.attname))
        obj._state.adding, obj._state.db = False, new.api_key._state.db
        obj._new_secret = new.secret

    def response_add(self, request, obj, post_url_continue=None):
        # Rendered, not redirected: the secret never goes into a session or a message cookie.
        return TemplateResponse(request, "admin/identity/apikey/created.html", {
            **self.admin_site.each_context(request), "key": obj, "secret": obj._new_secret,
            "changelist_url": reverse("admin:identity_apikey_changelist"), "title": "API key created"})

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(api_key=key, actor=actor_for(request))
        self.message_user(request, f"Revoked {queryset.count()} key(s).")

# The admin's login form counts failures per email and audits every attempt, as the API login does.
admin.site.login_form = GuardedAdminAuthenticationForm
