"""The OpenAPI 3.1 document, built from the declared operations and their pydantic models, and its HTML page."""
from flask import current_app, jsonify, render_template, url_for
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from ..services.open_data.licence import open_data_licence
from . import ocds_schemas
from .operations import OPERATIONS, OPTIONAL, PUBLIC, REQUIRED, bp
from .problems import MEDIA_TYPE, PROBLEM_TYPES
from .schemas import Problem

REF = "#/components/schemas/{model}"
ERROR_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or the address or query string holds a NUL byte.",
    401: "No token, or a token that is unknown, revoked, expired or of a suspended account or organisation.",
    403: "The token's user may not do this.",
    404: "Not found, or not visible to this token (sealed pitches and drafts look like this too).",
    409: "Not possible in the current state (deadline passed, already published, changed meanwhile).",
    413: "The body is larger than the API accepts.",
    415: "The body is not sent as application/json.",
    422: "Parameters or fields are invalid; `errors` points at each.",
    429: "Too many requests; wait and retry.",
}
DESCRIPTION = """\
The JSON API of Agora, the public-private challenge marketplace.

Public reads need no token. Writes, and reads of your own organisation's work, need a personal API
token, created on your account page and sent as `Authorization: Bearer <token>`. A token acts as its
user: it may do exactly what that person may do on the pages, through the same rules. It expires a set
time (90 days by default) after it is made, and a password change or "sign out everywhere" revokes it.

Errors are problem details (RFC 9457, `application/problem+json`).
"""


def _error_statuses(op):
    statuses = {400, 429, *op.errors}
    if op.auth != PUBLIC:
        statuses.add(401)
    if op.auth == REQUIRED:
        statuses |= {403, 404}
    if op.path_params:
        statuses.add(404)
    if op.query is not None:
        statuses.add(422)
    if op.body is not None:
        statuses |= {413, 415, 422}
    if op.method != "GET":
        statuses |= {403, 404, 409, 422}
    return sorted(statuses)


def _response_schema(op, refs):
    if op.endpoint in ocds_schemas.RESPONSES:  # the real OCDS package schema, not the view's short description
        return {"$ref": ocds_schemas.RESPONSES[op.endpoint]}
    if isinstance(op.response, type) and issubclass(op.response, BaseModel):
        return refs[(op.response, "serialization")]
    return op.response


def _parameters(op, components):
    parameters = []
    for name, annotation in op.path_params.items():
        parameters.append({"name": name, "in": "path", "required": True,
                           "schema": TypeAdapter(annotation).json_schema()})
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        exact = ocds_schemas.query_parameters(op.endpoint, current_app.config["OCDS_OCID_PREFIX"])
        for name, field in op.query.model_fields.items():
            prop = schema["properties"][field.alias or name]
            if name in exact:
                prop = {**exact[name], **({"description": prop["description"]} if "description" in prop else {})}
            parameter = {"name": field.alias or name, "in": "query", "required": field.is_required(),
                         "schema": {k: v for k, v in prop.items() if k != "description"}}
            if prop.get("description"):
                parameter["description"] = prop["description"]
            if prop.get("type") == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    return parameters


# The order the docs page shows; a tag not listed comes after these.
TAG_ORDER = ("Challenges", "Questions", "Pitches", "Pilots", "Organisations", "Open data", "Account")


def _tags():
    tags = dict.fromkeys(op.tag for op in OPERATIONS)
    return sorted(tags, key=lambda tag: TAG_ORDER.index(tag) if tag in TAG_ORDER else len(TAG_ORDER))


def build_document():
    licence = open_data_licence()
    models = {(Problem, "serialization")}
    for op in OPERATIONS:
        if op.body is not None:
            models.add((op.body, "validation"))
        if isinstance(op.response, type) and issubclass(op.response, BaseModel):
            models.add((op.response, "serialization"))
    refs, top = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF)
    components = dict(top.get("$defs", {}))
    components.update(ocds_schemas.components())
    problem_ref = refs[(Problem, "serialization")]
    paths = {}
    for op in sorted(OPERATIONS, key=lambda op: _tags().index(op.tag)):
        responses = {}
        for status in op.statuses:
            responses[str(status)] = {"description": "Created" if status == 201 else "OK",
                                      "content": {op.media_type: {"schema": _response_schema(op, refs)}}}
            if status == 201:
                responses[str(status)]["headers"] = {"Location": {"schema": {"type": "string"},
                                                                  "description": "The new resource's address."}}
        for status in _error_statuses(op):
            responses[str(status)] = {"description": ERROR_DESCRIPTIONS[status],
                                      "content": {MEDIA_TYPE: {"schema": problem_ref}}}
        entry = {"operationId": op.endpoint, "tags": [op.tag], "summary": op.summary,
                 "parameters": _parameters(op, components), "responses": responses}
        if op.description:
            entry["description"] = op.description
        if op.body is not None:
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
        entry["security"] = {PUBLIC: [], OPTIONAL: [{}, {"bearerAuth": []}], REQUIRED: [{"bearerAuth": []}]}[op.auth]
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Agora API", "version": "1", "description": DESCRIPTION,
                 "license": {"name": licence.name, "url": licence.url}},
        "servers": [{"url": bp.url_prefix}],
        "tags": [{"name": name} for name in _tags()],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal API token from your account page (Account → API tokens)."}},
        },
    }


def document():
    """Built once per process: the operations do not change while it runs."""
    cached = current_app.extensions.get("agora_openapi")
    if cached is None:
        cached = current_app.extensions["agora_openapi"] = build_document()
    return cached


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


def type_parts(schema):
    """A schema as readable pieces for the docs page: ("text", "array of ") then ("ref", "ChallengeSummary")."""
    if "$ref" in schema:
        return [("ref", schema["$ref"].rsplit("/", 1)[1])]
    if "anyOf" in schema:
        parts = []
        for index, option in enumerate(schema["anyOf"]):
            parts += ([("text", " or ")] if index else []) + type_parts(option)
        return parts
    if "enum" in schema:
        return [("text", "one of " + ", ".join(str(v) for v in schema["enum"]))]
    if "const" in schema:
        return [("text", repr(schema["const"]))]
    kind = schema.get("type", "any")
    if isinstance(kind, list):  # OCDS's ["string", "null"]
        return [("text", " or ".join(schema.get("format", k) if k == "string" else k for k in kind))]
    if kind == "array":
        return [("text", "array of ")] + type_parts(schema.get("items", {}))
    return [("text", schema.get("format", kind) if kind == "string" else kind)]


def constraints(schema):
    """The limits of a schema in words: "1 to 200 characters", "at most 100", "default: newest"."""
    words = []
    for option in [schema] + schema.get("anyOf", []):
        if "maxLength" in option:
            words.append(f"{option.get('minLength', 0)} to {option['maxLength']} characters")
        if "minimum" in option or "maximum" in option:
            words.append(f"from {option.get('minimum', '…')} to {option.get('maximum', '…')}")
        if "maxItems" in option:
            words.append(f"at most {option['maxItems']} items")
        if "pattern" in option and option["pattern"] != r"^[^\x00]*$":
            words.append(f"matching {option['pattern']}")
    if "default" in schema and schema["default"] not in (None, "", []):
        words.append(f"default: {schema['default']}")
    return "; ".join(words)


@bp.get("/docs")
def docs():
    spec = document()
    return render_template("api/docs.html", spec=spec, schemas=spec["components"]["schemas"],
                           base_url=url_for("api.docs", _external=True).rsplit("/docs", 1)[0],
                           problem_types=PROBLEM_TYPES, error_descriptions=ERROR_DESCRIPTIONS,
                           type_parts=type_parts, constraints=constraints)
