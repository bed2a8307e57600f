"""CORS preflight answers; they need no token (the spec says `security: []`)."""

from app.api import json_response

# If-Match / If-None-Match: the public API's conditional writes.
ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, X-Request-ID, If-Match, If-None-Match"
MAX_AGE_SECONDS = "600"


def _preflight(methods: str):
    return json_response(
        {},
        headers={
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
            "Access-Control-Max-Age": MAX_AGE_SECONDS,
        },
    )


def ivr_fallback_list(domain: str):
    return _preflight("GET, OPTIONS")


def ivr_fallback_entry(domain: str, number: str):
    return _preflight("GET, POST, DELETE, OPTIONS")


def siprec_fallback_entry(domain: str, number: str):
    return _preflight("GET, DELETE, OPTIONS")


# The management API (openapi/manage.yaml): one answer per path, each its operationId.
def manage_numbers(domain: str):
    return _preflight("GET, OPTIONS")


def manage_dry_run(domain: str, number: str):
    return _preflight("GET, OPTIONS")


def manage_usage(domain: str, number: str):
    return _preflight("GET, OPTIONS")


def manage_history(domain: str, number: str):
    return _preflight("GET, OPTIONS")


def manage_restore(domain: str, number: str):
    return _preflight("POST, OPTIONS")


def manage_ivr_renew(domain: str, number: str):
    return _preflight("POST, OPTIONS")


def manage_siprec_renew(domain: str, number: str):
    return _preflight("POST, OPTIONS")


def manage_expiring(domain: str):
    return _preflight("GET, OPTIONS")


def manage_domain_usage(domain: str):
    return _preflight("GET, OPTIONS")


def manage_export(domain: str):
    return _preflight("GET, OPTIONS")


def manage_import(domain: str):
    return _preflight("POST, OPTIONS")


def platform_decision(domain: str, number: str):
    return _preflight("GET, OPTIONS")


def platform_siprec_bulk(domain: str):
    return _preflight("POST, OPTIONS")


def platform_siprec_entry(domain: str, number: str):
    return _preflight("GET, POST, OPTIONS")


# Their operation ids: they read nothing, so app/serving/bridge.py runs them on the loop.
OPERATIONS = frozenset(
    f"{__name__}.{name}" for name, value in list(globals().items())
    if callable(value) and getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
)
