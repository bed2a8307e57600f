"""Parameter errors that name the parameter, in the same form as Connexion's body errors."""

from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from starlette.datastructures import QueryParams


# One validator per parameter schema, built once: building one costs more than
# validating a path parameter with it, on every request.
_validators: dict[int, tuple[dict, Draft4Validator]] = {}


def _validator_for(schema: dict) -> Draft4Validator:
    # Keyed by identity; the schema is kept alongside so that its id is never reused.
    cached = _validators.get(id(schema))
    if cached is None:
        cached = _validators[id(schema)] = (
            schema, Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        )
    return cached[1]


class NamingParameterValidator(ParameterValidator):
    """Connexion's own answers with the whole JSON Schema; this says "<what> - '<name>'".

    The errors handler turns that form into the problem's `errors` field.
    """

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if value is None:
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        schema = param.get("schema", param)
        error = best_match(_validator_for(schema).iter_errors(value))
        if error is not None:
            return f"{error.message} - '{param['name']}'"
        return None

    def validate_query_parameter(self, param, request):
        # A second copy is ambiguous: the validator and the handler could each read another.
        schema = param.get("schema", param)
        sent = QueryParams(request.scope.get("query_string", b""))
        if schema.get("type") != "array" and len(sent.getlist(param["name"])) > 1:
            return f"is given more than once - '{param['name']}'"
        return super().validate_query_parameter(param, request)
