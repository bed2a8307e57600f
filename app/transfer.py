"""Export and import of a domain's IVR fallback entries (the API and `cache-api`).

An import item is judged alone, by the public POST's own rules: its body limit (the
caller passes the setting the POST's is, `max_body_bytes`), the spec's
`FallbackSettings` schema (openapi/cache.yaml, read once) and then
app/contract/schemas.py's `FallbackSettingsSchema`. Valid items are written in batches,
each batch its own short transaction of three multi-row statements
(app/storage/history.py `import_entries`), so an import of 100,000 entries never holds
locks for more than a batch's few milliseconds.
"""

import functools
import json

import fastjsonschema
import jsonschema
import yaml
from marshmallow import ValidationError

from app import clock
from app.storage import history, store
from app.contract.errors import field_messages
from app.contract.schemas import NUMBER_PATTERN, FallbackSettingsSchema
from app.resources import data_folder

# Where this installation keeps the spec: beside a checkout's package, inside a wheel's.
SPEC = data_folder("openapi") / "cache.yaml"
# Rows per import transaction: 8 bound values a row stays far under both engines' limits.
BATCH_ROWS = 250
ITEM_FIELDS = ("number", "mode", "command", "ttl", "expiration")
DRY_RUN = "valid; not written (dry run)"
NOT_A_NUMBER = "number: 1 to 64 characters of A-Z a-z 0-9 + * # . _ -"

settings_schema = FallbackSettingsSchema()


@functools.cache
def _spec_validator() -> jsonschema.Draft4Validator:
    """The spec's FallbackSettings with every $ref inlined (resolving refs per item
    costs twice the time of the validation itself)."""
    components = yaml.safe_load(SPEC.read_text())["components"]["schemas"]

    def inline(node):
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            return {**inline(components[node["$ref"].rsplit("/", 1)[1]]), **inline(siblings)}
        return {key: inline(value) for key, value in node.items()}

    return jsonschema.Draft4Validator(inline(components["FallbackSettings"]))


@functools.cache
def _spec_check():
    """The same schema compiled to Python by fastjsonschema: five times faster than
    jsonschema, which an import of 100,000 entries needs. It only says yes; a no is
    explained by jsonschema (Connexion's own validator), whose verdict is the one that
    counts. tests/test_properties.py checks that the two agree."""
    return fastjsonschema.compile(_spec_validator().schema)


def spec_accepts(settings: dict) -> bool:
    try:
        _spec_check()(settings)
    except fastjsonschema.JsonSchemaException:
        return _spec_validator().is_valid(settings)
    return True


def export_document(session, domain: str) -> dict:
    rows = store.export_ivr_entries(session, domain, clock.now())
    return {"entries": [
        {"number": number, "mode": mode, "ttl": ttl, "command": command}
        for number, mode, ttl, command in rows
    ]}


def check_item(item, max_bytes: int) -> tuple[str | None, history.Change | None, str | None]:
    """Return (number, change, None) for a valid item, or (number, None, detail).

    `max_bytes` is the public POST's body limit, which the item's body (as that POST
    would take it, in compact JSON) must meet too.
    """
    if not isinstance(item, dict):
        return None, None, "item: must be an object"
    number = item.get("number")
    if not isinstance(number, str):
        return None, None, "number: required, a string"
    if not NUMBER_PATTERN.fullmatch(number):
        return number, None, NOT_A_NUMBER
    unknown = [name for name in item if name not in ITEM_FIELDS]
    if unknown:
        return number, None, f"{unknown[0]}: not a field of an entry"
    if "ttl" in item and "expiration" in item:
        return number, None, "ttl: give ttl or expiration, not both"
    # `ttl` (as exported) is an absolute expiry: the rules of a numeric expiration.
    expiry_field = "ttl" if "ttl" in item else "expiration"
    settings = {name: item[name] for name in ("mode", "command") if name in item}
    if expiry_field in item:
        settings["expiration"] = item[expiry_field]
    # Measured before any other rule, as the POST's limit is: a 7 MB value is refused
    # without a pattern run over it.
    size = len(json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode())
    if size > max_bytes:
        return number, None, (f"item: over {max_bytes // 1024} KiB as a body of the public "
                              f"POST, that POST's limit ({size} bytes in compact JSON)")
    if not spec_accepts(settings):
        error = jsonschema.exceptions.best_match(_spec_validator().iter_errors(settings))
        path = ".".join(str(part) for part in error.absolute_path)
        if path.startswith("expiration"):
            path = expiry_field + path[len("expiration"):]
        if error.validator == "required" and not path:
            return number, None, f"{error.message.split(chr(39))[1]}: required"
        return number, None, f"{path or 'item'}: {error.message}"
    try:
        loaded = settings_schema.load(settings)
    except ValidationError as error:
        field, message = next(iter(field_messages(error.messages).items()))
        if field == "expiration":
            field = expiry_field
        return number, None, f"{field}: {message}"
    return number, history.Change(loaded["mode"], item["command"], loaded["expiration"]), None


def import_items(session, domain: str, items: list, *, by: str | None, max_bytes: int,
                 dry_run: bool = False, progress=None,
                 batch_rows: int = BATCH_ROWS) -> list[dict]:
    """Judge every item, write the valid ones (unless `dry_run`); results in the order sent.

    `max_bytes` is the public POST's body limit (the `max_body_bytes` setting). Of a
    number listed more than once, the last copy counts: it is written if it is valid,
    and nothing is written for the number if it is not; each earlier copy says so.
    `progress(n)` is told of every n items checked, then of every n written (the
    command's bar, twice the items long, or once for a dry run).
    """
    checked = []
    for start in range(0, len(items), BATCH_ROWS):
        batch = items[start:start + BATCH_ROWS]
        checked.extend(check_item(item, max_bytes) for item in batch)
        if progress is not None:
            progress(len(batch))
    last = {number: index for index, (number, _, _) in enumerate(checked) if number is not None}
    results = []
    for index, (number, change, detail) in enumerate(checked):
        if number is not None and last[number] != index:
            detail = f"number: listed again as item {last[number]}, the copy that counts"
            if checked[last[number]][1] is None:
                detail += ", which is refused: nothing is written for it"
        if detail is not None:
            results.append({"number": number, "written": False, "detail": detail})
        elif dry_run:
            results.append({"number": number, "written": False, "detail": DRY_RUN})
        else:
            results.append({"number": number, "written": True})
    if dry_run:
        return results
    pending = [(number, checked[index][1]) for number, index in last.items()
               if checked[index][1] is not None]
    for start in range(0, len(pending), batch_rows):
        batch = dict(pending[start:start + batch_rows])
        history.import_entries(session, domain, batch, by=by, now=clock.now())
        if progress is not None:
            progress(len(batch))
    return results
