"""The schema's account of what goes wrong: every operation lists the problem documents
(`application/problem+json`, `api.problems`) it may answer, so a client, and a checker such as
schemathesis, finds every answer of the API in the schema, refusals included."""

from ninja import NinjaAPI

from api.problems import CONTENT_TYPE

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document, in the language of Accept-Language.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem (`about:blank`: the status says it all)."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Refused fields or parameters (`__all__`: the row as a whole), as the forms word them.",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message", "code"],
                    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
                },
            },
        },
    },
}

# Why each status is answered. Every operation may answer those of READS; writes those of WRITES too.
WHY = {
    400: "A parameter, header or body that cannot be read (`errors` names it).",
    401: "No token, or an unknown or revoked one.",
    403: "A read token writing.",
    404: "Nothing here that this token's person may see (or the feature is switched off).",
    409: "The row changed since the `version` sent was read, or the Idempotency-Key made another row.",
    412: "The row changed since the ETag sent in If-Match was read.",
    422: "The form refused the data (`errors` lists its messages, field by field).",
    428: "A write without the version of the row it changes.",
    429: "Past the token's rate: wait for Retry-After.",
}
READS = (400, 401, 404, 429)
WRITES = (*READS, 403, 409, 412, 422, 428)
HEADERS = {
    429: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


def document_problems(schema: dict) -> dict:
    """Add the `Problem` component and each operation's problem answers to `schema`."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            statuses = READS if method in ("get", "head") else WRITES
            responses = operation.setdefault("responses", {})
            for status in statuses:
                answer = {"description": WHY[status],
                          "content": {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                if status in HEADERS:
                    answer["headers"] = HEADERS[status]
                responses.setdefault(status, answer)
    return schema


class ProblemsDocumented(NinjaAPI):
    """django-ninja's API, its schema with the problem answers of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_problems(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
