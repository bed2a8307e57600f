"""Every internal of another library that this service leans on: one checklist for an upgrade.

Each entry names the library, the internal, where we use it and why, and carries a
cheap test that the internal is still there and still shaped as we use it.
`check()` runs them all when the app is built (create_app) and refuses to start,
naming each internal that is gone, rather than serve with a workaround that silently
stopped applying (or fails on the first request). setup.cfg pins these libraries to
the versions this list was checked against (TESTED_WITH); raising a pin means
reading every entry of that library again, and running tests/test_internals.py.
"""

import asyncio.selector_events
import dataclasses
import importlib.metadata
import inspect
import types
from typing import Callable

# The versions each entry below was read against (the pins of setup.cfg allow these).
TESTED_WITH = {
    "connexion": "3.3.0",
    "a2wsgi": "1.10.10",
    "uvicorn": "0.55.0",
    "uvicorn-worker": "0.4.0",
    "Flask": "3.1.3",
    "gunicorn": "27.0.1",
    "Python": "3.11",
}


class InternalChanged(RuntimeError):
    """An internal of another library that this code relies on is gone or has changed."""


@dataclasses.dataclass(frozen=True)
class Internal:
    library: str
    attribute: str
    where: str
    why: str
    # True while the internal is there as we use it; an exception counts as gone.
    holds: Callable[[], bool]


def mentions(function, *names: str) -> bool:
    """Whether `function`'s code (nested functions included) names each of `names`,
    as an attribute, a global or a string constant: that it still reads or sets them."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    found: set[str] = set()
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        found.update(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                codes.append(constant)
            elif isinstance(constant, str):
                found.add(constant)
    return set(names) <= found


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def _connexion_middleware_app() -> bool:
    from connexion import FlaskApp
    from connexion.apps.flask import FlaskASGIApp

    return ("_middleware_app" in FlaskApp.__annotations__
            and mentions(FlaskASGIApp.__init__, "asgi_app")
            and mentions(FlaskASGIApp.__call__, "asgi_app"))


def _connexion_routing_context() -> bool:
    from connexion.middleware import abstract, routing

    return (abstract.ROUTING_CONTEXT == "connexion_routing"
            and mentions(routing.RoutingOperation.__call__, "ROUTING_CONTEXT", "operation_id"))


def _connexion_path_parameters() -> bool:
    from connexion.operations import OpenAPIOperation

    return ("path_parameters" in parameters(OpenAPIOperation.__init__)
            and isinstance(OpenAPIOperation.parameters, property))


def _connexion_parameter_validator() -> bool:
    from connexion.validators import ParameterValidator

    return (mentions(ParameterValidator.__init__, "security_query_params", "strict_validation")
            and mentions(ParameterValidator.validate_request, "validate_query_parameter_list",
                         "validate_query_parameter", "validate_path_parameter")
            and mentions(ParameterValidator.validate_query_parameter, "validate_parameter")
            and mentions(ParameterValidator.validate_path_parameter, "validate_parameter")
            and parameters(ParameterValidator.validate_parameter)
            == ["parameter_type", "value", "param", "param_name"])


def _connexion_body_validator() -> bool:
    from connexion.validators import JSONRequestBodyValidator
    from connexion.validators.abstract import AbstractRequestBodyValidator

    return (mentions(AbstractRequestBodyValidator.__init__, "_nullable", "_encoding")
            and mentions(AbstractRequestBodyValidator.wrap_receive, "_parse", "_validate")
            and parameters(JSONRequestBodyValidator._parse) == ["self", "stream", "scope"]
            and isinstance(JSONRequestBodyValidator._validator, property))


def _connexion_security_signature() -> bool:
    from connexion.security import AbstractSecurityHandler
    from connexion.utils import inspect_function_arguments

    return (mentions(AbstractSecurityHandler._accepts_kwarg, "inspect_function_arguments")
            and mentions(inspect_function_arguments, "signature"))


def _a2wsgi_build_environ() -> bool:
    from a2wsgi.wsgi import build_environ

    return parameters(build_environ) == ["scope", "body"]


def _asyncio_accept_connection() -> bool:
    loop = asyncio.selector_events.BaseSelectorEventLoop
    return (parameters(loop._accept_connection)[:6]
            == ["self", "protocol_factory", "sock", "sslcontext", "server", "backlog"]
            and mentions(loop._start_serving, "_accept_connection"))


def _uvicorn_keep_alive() -> bool:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

    return (mentions(HttpToolsProtocol.on_headers_complete, "cycle", "RequestResponseCycle")
            and mentions(RequestResponseCycle.__init__, "keep_alive")
            and mentions(RequestResponseCycle.send, "keep_alive"))


def _uvicorn_parser_errors() -> bool:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    return (mentions(HttpToolsProtocol.data_received, "feed_data", "HttpParserError",
                     "send_400_response")
            and parameters(HttpToolsProtocol.send_400_response) == ["self", "msg"]
            and mentions(HttpToolsProtocol.on_url, "url")
            and parameters(HttpToolsProtocol.on_header) == ["self", "name", "value"]
            and mentions(HttpToolsProtocol.on_message_begin, "headers"))


def _uvicorn_loop_by_import_string() -> bool:
    from uvicorn.config import Config

    return mentions(Config.get_loop_factory, "import_from_string")


def _uvicorn_worker_config() -> bool:
    from uvicorn_worker import UvicornWorker

    return (isinstance(UvicornWorker.CONFIG_KWARGS, dict)
            and mentions(UvicornWorker.__init__, "CONFIG_KWARGS", "forwarded_allow_ips"))


def _gunicorn_load_wsgi() -> bool:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

    return (mentions(Worker.init_process, "load_wsgi")
            and mentions(Worker.load_wsgi, "wsgi")
            and Arbiter.WORKER_BOOT_ERROR == 3
            and mentions(Arbiter.start, "on_starting"))


def _flask_find_package() -> bool:
    from flask.sansio.scaffold import find_package

    return parameters(find_package) == ["import_name"]


INTERNALS = (
    Internal("connexion", "FlaskApp._middleware_app.asgi_app", "app/__init__.py (create_app)",
             "the ASGI-to-Flask hop is replaced by app/serving/bridge.py's FlaskBridge",
             _connexion_middleware_app),
    Internal("connexion", "scope['extensions']['connexion_routing']['operation_id']",
             "app/serving/bridge.py, app/observability.py",
             "the bridge picks the on-loop operations by it; the access log and metrics name "
             "the operation from it", _connexion_routing_context),
    Internal("connexion", "OpenAPIOperation(path_parameters=...) and .parameters",
             "app/contract/specs.py (for_connexion)",
             "Connexion appends a path's parameters to its operations' own lists once per "
             "middleware layer; the specs it is given have none left at the path level",
             _connexion_path_parameters),
    Internal("connexion", "ParameterValidator.validate_request, validate_query_parameter_list, "
             "security_query_params, validate_parameter(parameter_type, value, param, "
             "param_name)", "app/contract/validation.py (NamingParameterValidator)",
             "parameter errors that name the parameter, validated by compiled schemas",
             _connexion_parameter_validator),
    Internal("connexion", "AbstractRequestBodyValidator.wrap_receive calling _parse(stream, "
             "scope) and _validate(body); _nullable, _encoding, JSONRequestBodyValidator."
             "_validator", "app/contract/validation.py (FieldNamingBodyValidator)",
             "body errors that name each field; JSON errors that say where",
             _connexion_body_validator),
    Internal("connexion", "AbstractSecurityHandler._accepts_kwarg via inspect.signature",
             "app/__init__.py (_fix_signatures)",
             "handlers and token checks get their signature once instead of on every request",
             _connexion_security_signature),
    Internal("a2wsgi", "a2wsgi.wsgi.build_environ(scope, body)", "app/serving/bridge.py",
             "the bridge builds the WSGI environ as Connexion's a2wsgi hop would",
             _a2wsgi_build_environ),
    Internal("Python", "asyncio BaseSelectorEventLoop._accept_connection(protocol_factory, "
             "sock, sslcontext, server, backlog, ...)", "app/serving/worker.py (OneAcceptLoop)",
             "each worker accepts one waiting connection per wake-up, so that a burst of "
             "connections spreads over the workers", _asyncio_accept_connection),
    Internal("uvicorn", "HttpToolsProtocol.on_headers_complete setting .cycle; "
             "RequestResponseCycle.keep_alive read by send()", "app/serving/worker.py "
             "(RecyclingProtocol)", "a keep-alive connection closes after about "
             "KEEPALIVE_REQUESTS requests", _uvicorn_keep_alive),
    Internal("uvicorn", "HttpToolsProtocol.data_received answering a parser error (one a "
             "callback raised too) with send_400_response(msg); on_url, on_header(name, "
             "value), on_message_begin", "app/serving/worker.py (RecyclingProtocol)",
             "request heads over the limits are refused with 414 or 431",
             _uvicorn_parser_errors),
    Internal("uvicorn", "Config(loop='module:factory') imported by get_loop_factory",
             "app/serving/worker.py (Worker.CONFIG_KWARGS)",
             "the workers run on OneAcceptLoop, never uvloop", _uvicorn_loop_by_import_string),
    Internal("uvicorn-worker", "UvicornWorker.CONFIG_KWARGS, and forwarded_allow_ips passed "
             "from gunicorn's settings", "app/serving/worker.py, "
             "app/serving/gunicorn_settings.py", "our loop and protocol; CACHE_TRUSTED_PROXIES "
             "reaches uvicorn's proxy headers only through gunicorn's forwarded_allow_ips",
             _uvicorn_worker_config),
    Internal("gunicorn", "Worker.init_process calling load_wsgi(); Arbiter.WORKER_BOOT_ERROR; "
             "the on_starting hook before any worker", "app/serving/worker.py (Worker."
             "load_wsgi), app/serving/gunicorn_settings.py (on_starting)",
             "a server that cannot start says why in one line and exits, without a "
             "traceback", _gunicorn_load_wsgi),
    Internal("Flask", "flask.sansio.scaffold.find_package(import_name)", "app/config.py",
             "the instance folder Flask itself would pick", _flask_find_package),
)


def missing(internals=INTERNALS) -> list[Internal]:
    """The internals that are gone or changed."""
    gone = []
    for internal in internals:
        try:
            holds = internal.holds()
        except Exception:  # noqa: BLE001 (an import or attribute error: it is gone)
            holds = False
        if not holds:
            gone.append(internal)
    return gone


def check(internals=INTERNALS) -> None:
    """Raise InternalChanged naming each internal that is gone or changed."""
    gone = missing(internals)
    if gone:
        raise InternalChanged(
            "this code leans on internals that are gone or changed in the installed "
            "libraries (app/serving/internals.py): " + "; ".join(
                f"{internal.library} {_installed(internal.library)}: {internal.attribute} "
                f"(used by {internal.where}: {internal.why}; checked against "
                f"{internal.library} {TESTED_WITH.get(internal.library, '?')})"
                for internal in gone
            )
        )


def _installed(library: str) -> str:
    if library == "Python":
        import platform

        return platform.python_version()
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"
