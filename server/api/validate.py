"""Checks a JSON request body against the same schema the OpenAPI document shows.

A small part of JSON Schema, enough for the API's request bodies: `type`, `enum`,
`properties`, `required`, `additionalProperties: false` and `items`. Each problem is keyed by
where it is (`title`, `steps[2]`, `steps[0].id`) and said in plain words. Lengths, dates and
the meaning of values are left to the services, which say what is wrong with them.
"""

from typing import Any

from server.errors import InvalidInput

TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _is(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return value is None


def _child(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def problems(schema: dict[str, Any], value: Any, where: str = "") -> dict[str, str]:
    """Every problem with `value`, keyed by where it is; empty when it fits the schema."""
    name = where or "body"
    types = schema.get("type")
    if types is not None:
        kinds = [types] if isinstance(types, str) else list(types)
        if not any(_is(kind, value) for kind in kinds):
            wanted = " or ".join(TYPE_WORDS[kind] for kind in kinds)
            return {name: f"{name} must be {wanted}."}
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(choice) for choice in schema["enum"] if choice is not None)
        return {name: f"{name} must be one of: {choices}."}
    found: dict[str, str] = {}
    if isinstance(value, dict) and "properties" in schema:
        properties: dict[str, Any] = schema["properties"]
        for key in schema.get("required", []):
            if key not in value:
                found[_child(where, key)] = f"Add {_child(where, key)}: it is required."
        for key, item in value.items():
            if key in properties:
                found.update(problems(properties[key], item, _child(where, key)))
            elif schema.get("additionalProperties") is False:
                known = ", ".join(properties)
                found[_child(where, key)] = (f"{_child(where, key)} is not a field we know. "
                                             f"Use: {known}.")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found.update(problems(schema["items"], item, f"{name}[{index}]"))
    return found


def check(schema: dict[str, Any], value: Any) -> None:
    """Raises InvalidInput listing every problem, or returns when the value fits."""
    found = problems(schema, value)
    if found:
        raise InvalidInput(found)
