"""What the platform sends for a `call` command: the customers' dry run shows it.

Derived from the command alone, in the order the platform builds the request:
the identity headers, the custom `X-` then `P-` headers as posted, the Contact
parameters, then the headers copied from the incoming call (their values are
only known at call time, so they are named, not valued).
"""

# The command field behind each identity header, in the order they are added.
IDENTITY_HEADERS = (
    ("From", "sipFrom"),
    ("To", "sipTo"),
    ("Diversion", "sipDiversion"),
    ("P-Asserted-Identity", "sipPAI"),
    ("Remote-Party-ID", "sipRPID"),
)


def sip_request(command: dict) -> dict | None:
    """The INVITE a command generates, or None for a hangup (no call, no request)."""
    action = command["action"]
    if action["type"] != "call":
        return None
    headers = [
        {"name": name, "value": action[field], "source": field}
        for name, field in IDENTITY_HEADERS
        if field in action
    ]
    for source in ("xHeaders", "pHeaders"):
        headers.extend(
            {"name": name, "value": value, "source": source}
            for name, value in action.get(source, {}).items()
        )
    if "contactUserParameters" in action or "contactParameters" in action:
        # The Contact address is the platform's own; the command adds parameters to it.
        headers.append({
            "name": "Contact",
            "userParameters": action.get("contactUserParameters", {}),
            "uriParameters": action.get("contactParameters", {}),
            "source": "contactParameters",
        })
    headers.extend(
        {"name": name, "copiedFromIncomingCall": True, "source": "copyHeaders"}
        for name in action.get("copyHeaders", [])
    )
    return {
        "method": "INVITE",
        "target": action["destAddr"],
        "headers": headers,
        "phrases": command.get("phrases", []),
        "maxRingTime": action.get("maxRingTime"),
    }
