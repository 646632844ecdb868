"""The OpenAPI schema's error answers: every operation documents the contract's error shapes
(docs/api.md), so that generated clients and schema-driven tests know them.

- 400 `ValidationError`: `{"field": ["message", ...]}` (the whole body under
  `non_field_errors`);
- 401, 403, 404, 415, 429: `Error`, `{"detail": "message"}`;
- 503 `Error`: the audit log could not be written, so nothing was shown (fail closed).
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages by field name; errors about the whole body under non_field_errors.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ANSWERS = {
    "400": ("ValidationError", "Invalid input, with a message per field."),
    "401": ("Error", "Not authenticated: send `Authorization: Token <key>` or log in."),
    "403": ("Error", "Visible, but the caller may not do this."),
    "404": ("Error", "No such object, or not visible to the caller."),
    "415": ("Error", "The body is not JSON (Content-Type: application/json)."),
    "429": ("Error", "Too many requests (CPR look-ups are throttled per user)."),
    "503": ("Error", "The audit log could not be written, so nothing is shown."),
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, (schema, description) in ANSWERS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{schema}"}
                            }
                        },
                    },
                )
    return result
