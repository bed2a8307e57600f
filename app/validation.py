"""Parameter errors that name the parameter, in the same form as Connexion's body errors."""

from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match


class NamingParameterValidator(ParameterValidator):
    """Connexion's own answers with the whole JSON Schema; this says "<what> - '<name>'".

    The errors handler turns that form into the problem's `errors` field.
    """

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if value is None:
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        schema = param.get("schema", param)
        error = best_match(
            Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(value)
        )
        if error is not None:
            return f"{error.message} - '{param['name']}'"
        return None
