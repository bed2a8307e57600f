"""CORS preflight answers; they need no token (the spec says `security: []`)."""

from app.api import json_response

ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, X-Request-ID"
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
