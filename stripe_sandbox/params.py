"""Parameter validation with Stripe's error codes. A handler declares the keys it accepts; any
other key is `parameter_unknown` naming it (nested names as `address[foo]`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stripe_sandbox.errors import StripeApiError, invalid, missing, unknown


class Params:
    def __init__(self, data: Any, allowed: Iterable[str], prefix: str = ""):
        if not isinstance(data, dict):
            raise invalid(prefix, f"Invalid object: {prefix} must be a hash.")
        self.data, self.prefix = data, prefix
        for key in data:
            if key not in allowed:
                raise unknown(self.name(key))

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else key

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, *, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise missing(self.name(key))
            return None
        return self.data[key]

    def _scalar(self, key: str, required: bool) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(self.name(key), f"Invalid string: {self.name(key)} must be a string, not a hash or array.")
        if value == "" and required:
            raise empty(self.name(key))
        return value

    def string(self, key: str, *, required: bool = False, max_length: int = 5000,
               choices: Iterable[str] | None = None, nullable: bool = False) -> str | None:
        """`nullable`: an empty string unsets the field (returns "")."""
        value = self._scalar(key, required)
        if value is None:
            return None
        if value == "":
            if nullable:
                return ""
            raise empty(self.name(key))
        if len(value) > max_length:
            raise invalid(self.name(key), f"Invalid {self.name(key)}: must be at most {max_length} characters",
                          code="string_length_exceeds_maximum")
        if choices is not None and value not in choices:
            raise invalid(self.name(key), f"Invalid {self.name(key)}: must be one of {', '.join(choices)}")
        return value

    def integer(self, key: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self._scalar(key, required)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise invalid(self.name(key), f"Invalid integer: {value}", code="parameter_invalid_integer") from None
        if minimum is not None and number < minimum:
            raise invalid(self.name(key), f"This value must be greater than or equal to {minimum}.",
                          code="parameter_invalid_integer")
        if maximum is not None and number > maximum:
            raise invalid(self.name(key), f"This value must be less than or equal to {maximum}.",
                          code="parameter_invalid_integer")
        return number

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self._scalar(key, required)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise invalid(self.name(key), f"Invalid boolean: {value}")
        return value == "true"

    def sub(self, key: str, allowed: Iterable[str], *, required: bool = False) -> Params | None:
        value = self.raw(key, required=required)
        if value is None or value == "":
            return None
        return Params(value, allowed, self.name(key))

    def string_list(self, key: str, *, required: bool = False) -> list[str] | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value] if value else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(self.name(key), f"Invalid array: {self.name(key)} must be an array of strings.")
        return value

    def metadata(self, key: str = "metadata") -> dict[str, str] | None:
        """Stripe's limits: 50 keys, keys up to 40 characters, values up to 500; "" unsets."""
        value = self.raw(key)
        if value is None:
            return None
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise invalid(self.name(key), "Invalid metadata: metadata must be a hash.")
        if len(value) > 50:
            raise invalid(self.name(key), "Invalid metadata: metadata can have at most 50 keys.")
        for k, v in value.items():
            if len(k) > 40:
                raise invalid(f"{self.name(key)}[{k}]", "Invalid metadata: keys can be at most 40 characters.")
            if not isinstance(v, str) or len(v) > 500:
                raise invalid(f"{self.name(key)}[{k}]",
                              "Invalid metadata: values must be strings of at most 500 characters.")
        return value


def empty(name: str) -> StripeApiError:
    return StripeApiError(
        f"You passed an empty string for '{name}'. We assume empty values are an attempt to unset a "
        f"parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or "
        "supply a non-empty value.", code="parameter_invalid_empty", param=name)


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Stripe merges metadata on update; an empty value deletes that key, `metadata=""` clears all."""
    if update is None:
        return current
    if update == {}:
        return {}
    merged = dict(current)
    for k, v in update.items():
        if v == "":
            merged.pop(k, None)
        else:
            merged[k] = v
    return merged
