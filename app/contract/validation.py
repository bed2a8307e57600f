"""Request validation errors that name the field and say what it may be.

Connexion validates parameters and bodies against the spec; its own messages
are jsonschema's (`... is not valid under any of the given schemas`), and an
unknown or missing body field is reported without naming it. These
validators run the same checks and raise `FieldProblem`, whose `errors` map
each wrong field's dotted path to a message a person can act on.

They override Connexion's private methods: app/serving/internals.py checks them at startup.
"""

import json
import re

import fastjsonschema
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from starlette.datastructures import QueryParams

from app.contract.errors import FieldProblem

# A 400 lists at most this many fields; a body can hold thousands of wrong ones.
MAX_FIELD_ERRORS = 10
# How an integer parameter is written: ASCII digits, and a minus sign for a negative; at
# most 18 of them, so that int() always can (every bound in the specs fits in int64).
ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")
INTEGER_TEXT_MESSAGE = "must be a whole number written in the digits 0-9 (at most 18 of them)"
# The spec's pattern for free text: anything but control characters.
NO_CONTROL_CHARACTERS = r"^(?![\s\S]*[\x00-\x1F\x7F])"
# What a bound of these keywords says, with the bound filled in.
LIMIT_MESSAGES = {
    "maxLength": "must be at most {} characters",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "maxProperties": "must have at most {} entries",
}
TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
}


DRAFT_4 = "http://json-schema.org/draft-04/schema#"
# Two validators per parameter schema, built once (building one costs more than
# validating a path parameter with it): the schema compiled to Python by
# fastjsonschema, which passes a good value in about a microsecond, and jsonschema,
# the authority, asked only about a value the first refuses, for the message and the
# verdict (on those schemas they agree: tests/test_parameter_validation.py).
_validators: dict[int, tuple[dict, object, Draft4Validator]] = {}


def _validators_for(schema: dict) -> tuple[object, Draft4Validator]:
    # Keyed by identity; the schema is kept alongside so that its id is never reused.
    cached = _validators.get(id(schema))
    if cached is None:
        cached = _validators[id(schema)] = (
            schema,
            # OpenAPI 3.0's schemas are Draft 4's dialect (Connexion validates with it):
            # fastjsonschema's default, draft 7, would take 5.0 for an integer.
            fastjsonschema.compile({**schema, "$schema": DRAFT_4}),
            Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER),
        )
    return cached[1], cached[2]


def _body_check(schema: dict):
    """A body schema's compiled check, from the same cache as the parameters' (Connexion
    hands every request of an operation the same dict); its authority is Connexion's."""
    return _validators_for(schema)[0]


class NamingParameterValidator(ParameterValidator):
    """Connexion's own answers with the whole JSON Schema; this says "<what> - '<name>'".

    The errors handler turns that form into the problem's `errors` field.
    """

    def validate_request(self, request):
        if self.strict_validation:
            unknown = self.validate_query_parameter_list(
                request, security_params=self.security_query_params
            )
            if unknown:
                raise FieldProblem(
                    {name: "is not a query parameter of this operation" for name in unknown}
                )
        self._check_integer_text(request)
        super().validate_request(request)

    def _check_integer_text(self, request):
        """Integers as sent, before Connexion's int() (which takes `2_00`, `２００`, ` 200`).

        The query string is parsed again only for an operation with an integer query
        parameter (the decision's `status`): every other request pays nothing here.
        """
        for location in ("query", "path"):
            integers = [param["name"] for param in self.parameters.get(location, [])
                        if param.get("schema", param).get("type") == "integer"]
            if not integers:
                continue
            if location == "query":
                values_of = QueryParams(request.scope.get("query_string", b"")).getlist
            else:
                path_params = request.scope.get("path_params", {})
                values_of = lambda name: [path_params.get(name.replace("-", "_"))]  # noqa: E731
            for name in integers:
                for value in values_of(name):
                    if isinstance(value, str) and not ASCII_INTEGER.fullmatch(value):
                        raise FieldProblem({name: INTEGER_TEXT_MESSAGE})

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if value is None:
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        schema = param.get("schema", param)
        passes, authority = _validators_for(schema)
        try:
            passes(value)
            return None
        except fastjsonschema.JsonSchemaException:
            pass
        error = best_match(authority.iter_errors(value))
        if error is not None:
            return f"{parameter_message(error)} - '{param['name']}'"
        return None

    def validate_query_parameter(self, param, request):
        # A second copy is ambiguous: the validator and the handler could each read another.
        schema = param.get("schema", param)
        sent = QueryParams(request.scope.get("query_string", b""))
        if schema.get("type") != "array" and len(sent.getlist(param["name"])) > 1:
            return f"is given more than once - '{param['name']}'"
        return super().validate_query_parameter(param, request)

class FieldNamingBodyValidator(JSONRequestBodyValidator):
    """Connexion's JSON body validator, with every error naming its field."""

    async def wrap_receive(self, receive, *, scope):
        try:
            return await super().wrap_receive(receive, scope=scope)
        except FieldProblem:
            raise
        except BadRequestProblem:
            # Connexion's "RequestBody is required" for a required body sent empty.
            raise FieldProblem({"body": "is required: send a JSON object"}) from None

    async def _parse(self, stream, scope):
        text = b"".join([message async for message in stream]).decode(self._encoding)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise FieldProblem(
                {
                    "body": f"is not valid JSON: {error.msg.lower()} at line {error.lineno}, "
                    f"column {error.colno}"
                }
            ) from None

    def _validate(self, body):
        if body is None and not self._nullable:
            raise FieldProblem({"body": "is required: send a JSON object"})
        # The compiled check passes a good body several times faster than jsonschema; a
        # body it refuses goes to Connexion's validator, whose verdict counts (null where
        # the spec says nullable is one it alone accepts) and whose errors say what is
        # wrong. The two agree on the specs' bodies: tests/test_body_validation.py.
        try:
            _body_check(self._schema)(body)
            return
        except fastjsonschema.JsonSchemaException:
            pass
        found: dict[str, str] = {}
        for error in self._validator.iter_errors(body):
            for field, message in explain(error):
                found.setdefault(field, message)
            if len(found) >= MAX_FIELD_ERRORS:
                break
        if found:
            raise FieldProblem(found)


BODY_VALIDATORS = MediaTypeDict(
    {
        "*/*json": FieldNamingBodyValidator,
        "application/x-www-form-urlencoded": FormDataValidator,
        "multipart/form-data": MultiPartFormDataValidator,
    }
)


def explain(error: ValidationError):
    """Yield (dotted field path, readable message) for one jsonschema error."""
    path = list(error.absolute_path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and expected is False and isinstance(value, dict):
        known = list(error.schema.get("properties", {}))
        for name in value:
            if name not in known:
                yield dotted(path + [name]), (
                    f"is not a known field; the fields here are {listing(known, 'and')}"
                )
        return
    if kind == "required" and isinstance(value, dict):
        for name in expected:
            if name not in value:
                yield dotted(path + [name]), "is required"
        return
    if kind in ("oneOf", "anyOf"):
        yield from explain_alternatives(error, path)
        return
    yield dotted(path), message_for(error)


def explain_alternatives(error: ValidationError, path: list):
    """A value that matches none (or several) of the schema's alternatives.

    Objects are told apart by the field each alternative requires (a phrase's
    source); a value with exactly one such field is judged by that alternative.
    Scalars are told what the alternatives are (an expiration's periods or a
    timestamp).
    """
    alternatives = error.validator_value
    value = error.instance
    keys = [alternative.get("required", [None])[0] for alternative in alternatives]
    if all(keys) and not isinstance(value, dict):
        yield dotted(path), f"must be an object with exactly one of {listing(keys, 'or')}"
        return
    if all(keys):
        present = [key for key in keys if key in value]
        if len(present) == 1:
            chosen = keys.index(present[0])
            for suberror in error.context:
                if suberror.relative_schema_path[0] == chosen:
                    yield from explain(suberror)
            return
        has = f"it has {listing(present, 'and')}" if present else "it has none"
        yield dotted(path), f"must have exactly one of {listing(keys, 'or')}; {has}"
        return
    described = []
    for alternative in alternatives:
        if "enum" in alternative:
            described.extend(str(item) for item in alternative["enum"])
        else:
            described.append(
                alternative.get("description") or TYPE_NAMES.get(alternative.get("type"), "other")
            )
    yield dotted(path), f"must be one of {listing(described, 'or')}"


def parameter_message(error: ValidationError) -> str:
    """jsonschema's message, but for a pattern the spec explains (`x-pattern-message`, read
    by a person where the pattern is a regular expression few can)."""
    explained = error.schema.get("x-pattern-message") if error.validator == "pattern" else None
    return f"{error.instance!r} {explained}" if explained else error.message


def message_for(error: ValidationError) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        wanted = listing([TYPE_NAMES.get(name, name) for name in names], "or")
        return f"must be {wanted}, not null" if value is None else f"must be {wanted}"
    if kind == "enum":
        return f"must be one of {listing([str(item) for item in expected], 'or')} (case-sensitive)"
    if kind == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters"
    if kind in LIMIT_MESSAGES:
        return LIMIT_MESSAGES[kind].format(expected)
    if kind == "pattern":
        if expected == NO_CONTROL_CHARACTERS:
            return "must not contain control characters"
        return f"must match the pattern {expected}"
    return error.message


def dotted(path: list) -> str:
    return ".".join(str(part) for part in path) or "body"


def listing(items: list[str], last: str) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) <= 2:
        return f" {last} ".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
