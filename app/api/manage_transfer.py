"""The management API's export and import of a domain's IVR fallback entries."""

from flask import current_app

from app import transfer
from app.api import json_response
from app.storage.db import session


def export_entries(domain: str):
    return json_response(transfer.export_document(session(), domain.lower()))


# `dryRun` is the spec's query parameter name, which Connexion passes as it is.
def import_entries(domain: str, body: dict, dryRun: bool = False,  # noqa: N803
                   user: str | None = None):
    """Every item judged alone; `dryRun` judges and writes nothing."""
    # Each entry is held to the public POST's body limit, the same setting.
    max_bytes = current_app.config["CACHE_SETTINGS"].max_body_bytes
    results = transfer.import_items(session(), domain.lower(), body["entries"], by=user,
                                    max_bytes=max_bytes, dry_run=dryRun)
    ok = all(result["written"] or result.get("detail") == transfer.DRY_RUN for result in results)
    return json_response({"success": ok, "results": results})
