"""The rules of request bodies that the OpenAPI spec cannot state.

The spec has already checked shapes, types and enums when these run; they
add what JSON Schema cannot say: resolving `expiration` against the clock,
the fields that only a `call` may carry, and header names.
"""

import math
import re

from marshmallow import Schema, ValidationError, fields, validates

from app import clock, expiration

# The fields that belong to the generated call; a hangup generates none.
CALL_ONLY_FIELDS = (
    "destAddr",
    "sipFrom",
    "sipTo",
    "sipDiversion",
    "sipPAI",
    "sipRPID",
    "maxRingTime",
    "xHeaders",
    "pHeaders",
    "contactParameters",
    "contactUserParameters",
    "copyHeaders",
)
# RFC 3261 token: what a SIP header name (and a URI parameter name) is made of.
SIP_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~-]+")
HEADER_PREFIXES = {"xHeaders": "X-", "pHeaders": "P-"}
# The spec's `number` path parameter (openapi/cache.yaml; a test keeps them equal), for
# numbers that arrive in bodies (the bulk SIPRec write), where each is judged alone.
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9+*#._-]{1,64}$")


class Expiration(fields.Field):
    """A period name or unix timestamp, loaded as the expiry instant in unix seconds."""

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        try:
            return expiration.resolve(value, clock.now())
        except expiration.ExpirationError as error:
            raise ValidationError(str(error)) from error


def default_expiry() -> int:
    return expiration.resolve(expiration.DEFAULT, clock.now())


class SiprecSettingsSchema(Schema):
    expiration = Expiration(load_default=default_expiry)


class FallbackSettingsSchema(Schema):
    mode = fields.String(required=True)
    expiration = Expiration(load_default=default_expiry)
    command = fields.Dict(required=True)

    @validates("command")
    def validate_command(self, command: dict, **_kwargs) -> None:
        errors = action_errors(command["action"])
        for path in non_values(command):
            errors[path] = ["null, NaN and Infinity are not values"]
        if errors:
            raise ValidationError(errors)


def action_errors(action: dict) -> dict[str, list[str]]:
    """Return the action's rule violations, keyed by the field's path in the command."""
    errors: dict[str, list[str]] = {}
    kind = action["type"]
    if kind == "call":
        if "destAddr" not in action:
            errors["action.destAddr"] = ["required when the action type is 'call'"]
    else:
        for name in CALL_ONLY_FIELDS:
            if name in action:
                errors[f"action.{name}"] = [
                    f"only a 'call' action may carry it, not a '{kind}'"
                ]
        return errors
    for map_name, prefix in HEADER_PREFIXES.items():
        for name in action.get(map_name, {}):
            if not (SIP_TOKEN.fullmatch(name) and name.upper().startswith(prefix)):
                errors[f"action.{map_name}.{name}"] = [
                    f"a header name must start with '{prefix}' and be a SIP token"
                ]
    for map_name in ("contactParameters", "contactUserParameters"):
        for name in action.get(map_name, {}):
            if not SIP_TOKEN.fullmatch(name):
                errors[f"action.{map_name}.{name}"] = ["a parameter name must be a SIP token"]
    for index, name in enumerate(action.get("copyHeaders", [])):
        if not SIP_TOKEN.fullmatch(name):
            errors[f"action.copyHeaders.{index}"] = ["a header name must be a SIP token"]
    return errors


def non_values(value, path: str = "") -> list[str]:
    """Return the paths of nulls and non-finite numbers inside a JSON value.

    The spec types every named field; this reaches the free-form maps too
    (the text-to-speech parameters).
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return [path]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [
        found
        for key, item in items
        for found in non_values(item, f"{path}.{key}" if path else str(key))
    ]


class RestoreSchema(Schema):
    """The management API's restore: which version, and a new expiry if its own has passed."""

    version = fields.Integer(required=True)
    expiration = Expiration()
