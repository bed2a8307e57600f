"""The OpenAPI documents: bundled once, then both routed by Connexion and served as written.

A spec may reference another spec's components (`cache.yaml#/components/...`).
`bundle` copies each such component into the document's own `components`,
under the same name, so the document is self-contained: a client generated
from `/platform/openapi.json` needs nothing else. Everything else stays as
written, `$ref`s included (Connexion's own spec route serves every `$ref`
expanded, which makes generators emit one model per use instead of per schema).
"""

import copy
import json
from pathlib import Path

import yaml
from connexion.http_facts import METHODS
from flask import Blueprint, Response

# The specs the service routes from, in openapi/.
SPEC_FILES = ("cache.yaml", "platform.yaml", "manage.yaml")


class SpecError(ValueError):
    """A spec cannot be bundled (a reference outside components, or a name clash)."""


def bundle(path: Path) -> dict:
    """Load the spec at `path` with every reference to another file made local."""
    path = path.resolve()
    document = yaml.safe_load(path.read_text())
    components = document.setdefault("components", {})
    # Which file each component of the bundle came from, to refuse clashes.
    origins = {(kind, name): path for kind, named in components.items() for name in named}
    loaded = {path: document}

    def internalize(node, source: Path):
        if isinstance(node, list):
            return [internalize(item, source) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return {**node, "$ref": local_ref(ref, source)}
        return {key: internalize(value, source) for key, value in node.items()}

    def local_ref(ref: str, source: Path) -> str:
        file, _, pointer = ref.partition("#")
        target = (source.parent / file).resolve() if file else source
        if target == path:
            return f"#{pointer}"
        parts = pointer.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise SpecError(f"{path.name}: {ref!r} must point at a component of {file}")
        _, kind, name = parts
        origin = origins.get((kind, name))
        if origin is None:
            origins[(kind, name)] = target
            if target not in loaded:
                loaded[target] = yaml.safe_load(target.read_text())
            try:
                component = loaded[target]["components"][kind][name]
            except KeyError:
                raise SpecError(f"{path.name}: {ref!r} names no component") from None
            # Reserve the name first: components may refer to each other.
            components.setdefault(kind, {})[name] = None
            components[kind][name] = internalize(copy.deepcopy(component), target)
        elif origin != target:
            raise SpecError(
                f"{path.name}: components.{kind}.{name} exists in both "
                f"{origin.name} and {target.name}"
            )
        return f"#/components/{kind}/{name}"

    for key in [key for key in document if key != "components"]:
        document[key] = internalize(document[key], path)
    for kind in list(components):
        for name in list(components[kind]):
            if origins[(kind, name)] == path:
                components[kind][name] = internalize(components[kind][name], path)
    return document


COMPONENT_PARAMETER = "#/components/parameters/"


def for_connexion(document: dict) -> dict:
    """A copy of a bundled document for Connexion to route from: each path's parameters
    moved into its operations, merged as OpenAPI 3.0 says (an operation's parameter
    overrides the path's of the same name and location).

    Connexion 3.3 adds a path's parameters to its operation's own list in place, each
    time it builds the operation (once per middleware layer, six times), so an
    operation with parameters of its own checked every path parameter six times (the
    call-time decision: 12 checks of `domain` and `number` per request). With none
    left at the path level, there is nothing to add.
    """
    document = copy.deepcopy(document)
    declared = document.get("components", {}).get("parameters", {})

    def key(parameter: dict) -> tuple[str, str]:
        for _hop in range(len(declared) + 1):  # a chain of references, never a cycle
            ref = parameter.get("$ref")
            if ref is None:
                return parameter["name"], parameter["in"]
            name = ref.removeprefix(COMPONENT_PARAMETER).replace("~1", "/").replace("~0", "~")
            if not ref.startswith(COMPONENT_PARAMETER) or name not in declared:
                raise SpecError(f"a parameter refers to {ref!r}, which is not one of "
                                "components.parameters")
            parameter = declared[name]
        raise SpecError(f"the parameter references through {ref!r} go round in a cycle")

    for item in document.get("paths", {}).values():
        shared = item.pop("parameters", [])
        for method in METHODS & item.keys():
            own = item[method].get("parameters", [])
            overridden = {key(parameter) for parameter in own}
            item[method]["parameters"] = [
                parameter for parameter in shared if key(parameter) not in overridden
            ] + own
    return document


def base_path(document: dict) -> str:
    return document["servers"][0]["url"].rstrip("/")


# Where the interactive page (Swagger UI, at <base path>/ui/) reads its document.
PAGE_DOCUMENT = "openapi-page.json"
PAGE_NOTE = (
    "This page leaves out the CORS preflight (`OPTIONS`) operation of each path: a "
    "browser sends it by itself, no one tries it out. The whole spec, preflights "
    "included, is [{base}/openapi.json]({base}/openapi.json) (or `.yaml`)."
)


def page_url(document: dict) -> str:
    return f"{base_path(document)}/{PAGE_DOCUMENT}"


def for_page(document: dict) -> dict:
    """The document as the interactive page shows it: without the preflight operations.

    Swagger UI has no setting that hides operations (supportedSubmitMethods only
    disables their "Try it out"), and a plugin would need a page template of our own,
    with Swagger UI's files copied beside it; so the page is given a document without
    them, which says so. Connexion routes, and clients download, the whole one.
    """
    page = copy.deepcopy(document)
    for item in page["paths"].values():
        item.pop("options", None)
    info = page["info"]
    info["description"] = (info.get("description", "").rstrip("\n") + "\n\n"
                           + PAGE_NOTE.format(base=base_path(document)))
    return page


def blueprint(documents: list[dict]) -> Blueprint:
    """Serve each bundled document at <base path>/openapi.json and /openapi.yaml, and its
    page's view (for_page) at <base path>/openapi-page.json, which Swagger UI (at
    <base path>/ui/) reads.
    """
    specs = Blueprint("specs", __name__)
    for document in documents:
        base = base_path(document)
        as_json = json.dumps(document, indent=2, ensure_ascii=False).encode()
        as_yaml = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
        for_the_page = json.dumps(for_page(document), indent=2, ensure_ascii=False).encode()
        for name, body, media_type in (
            ("openapi.json", as_json, "application/json"),
            ("openapi.yaml", as_yaml, "application/yaml"),
            (PAGE_DOCUMENT, for_the_page, "application/json"),
        ):
            specs.add_url_rule(
                f"{base}/{name}",
                endpoint=f"{base.strip('/')}_{name.replace('.', '_')}",
                view_func=_serve(body, media_type),
                methods=["GET"],
            )
    return specs


def _serve(body: bytes, media_type: str):
    def view() -> Response:
        return Response(body, mimetype=media_type)

    return view
