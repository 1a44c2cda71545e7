"""The OpenAPI 3.1 description of the open-data API (served at /api/openapi.json).

Written for developers who reuse the data, so in English; tests/test_web_open_data.py checks that
every path answers and that answers carry the properties described here.
"""

from __future__ import annotations

from typing import Any

from models.initiative import HelpKind

_NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}

LIST_PARAMETERS = [
    _query("q", "Full-text search in title, description and audience (case and accents ignored, "
                "every word must match, a word also finds longer words it starts). At most 200 characters "
                "are used.", {"type": "string"}),
    _query("theme", "Theme slug (see /api/themes).", {"type": "string"}),
    _query("municipality", "Municipality slug (see /api/municipalities).", {"type": "string"}),
    _query("status", "new: published in the last 30 days; active: an update in the last 90 days.",
           {"type": "string", "enum": ["new", "active"]}),
    _query("help", "Kind of help the initiative needs, or 'any'.",
           {"type": "string", "enum": [*(h.value for h in HelpKind), "any"]}),
    _query("sort", "newest (default) or support (joined + following, most first).",
           {"type": "string", "enum": ["newest", "support"], "default": "newest"}),
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _query("per_page", "Items per page.", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
]


def openapi_document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with `server_url` (PUBLIC_URL) as its server."""
    theme = {"type": "object", "required": ["slug", "name_nl", "name_en"], "properties": {
        "slug": {"type": "string"}, "name_nl": {"type": "string"}, "name_en": {"type": "string"}}}
    municipality = {"type": "object", "required": ["slug", "name", "code"], "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"},
        "code": {"type": "string", "description": "CBS municipality code, e.g. GM0153"}}}
    initiative_properties = {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "audience": {**_NULLABLE_STRING, "description": "Who it is for"},
        "theme": {"oneOf": [_ref("Theme"), {"type": "null"}]},
        "municipality": {"oneOf": [_ref("Municipality"), {"type": "null"}]},
        "help_needed": {"type": "array", "items": {"type": "string", "enum": [h.value for h in HelpKind]}},
        "budget_eur": {"type": ["number", "null"], "description": "Budget estimate in euros"},
        "initiator_name": {**_NULLABLE_STRING, "description": "The public name the initiator chose"},
        "members_count": {"type": "integer", "description": "People who joined"},
        "followers_count": {"type": "integer", "description": "People who follow it"},
        "support": {"type": "integer", "description": "members_count + followers_count"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "format": "uri", "description": "The initiative's web page"},
        "telegram_url": {"type": "string", "format": "uri", "description": "Join via the Telegram bot"},
    }
    group = {"type": "object", "required": ["initiatives", "members", "followers", "support"], "properties": {
        "initiatives": {"type": "integer"}, "members": {"type": "integer"}, "followers": {"type": "integer"},
        "support": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Samen voor Elkaar open data",
            "version": "1.0.0",
            "description": "Published citizen initiatives, their themes and municipalities, and support and "
                           "participation figures. Read-only, no authentication, any origin may call it. "
                           "Only published initiatives appear; of people only the public name an initiator "
                           "chose. Also available: Atom feeds (/feed.atom, /themas/{slug}/feed.atom, "
                           "/gemeenten/{slug}/feed.atom) and a CSV export (/initiatieven.csv, with the "
                           "same filters as /api/initiatives).",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": {
            "/api/initiatives": {"get": {
                "operationId": "listInitiatives", "summary": "Published initiatives, newest first",
                "parameters": LIST_PARAMETERS,
                "responses": {"200": _ok("A page of initiatives", _ref("InitiativePage")), "400": _ERROR,
                              "404": _ERROR},
            }},
            "/api/initiatives/{id}": {"get": {
                "operationId": "getInitiative", "summary": "One published initiative with its updates",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _ok("The initiative", _ref("InitiativeDetail")), "404": _ERROR},
            }},
            "/api/themes": {"get": {
                "operationId": "listThemes", "summary": "Themes with their number of published initiatives",
                "responses": {"200": _ok("Themes", {"type": "array", "items": {"allOf": [
                    _ref("Theme"), {"type": "object", "required": ["initiatives"],
                                    "properties": {"initiatives": {"type": "integer"}}}]}})},
            }},
            "/api/municipalities": {"get": {
                "operationId": "listMunicipalities",
                "summary": "Municipalities with their number of published initiatives",
                "responses": {"200": _ok("Municipalities", {"type": "array", "items": {"allOf": [
                    _ref("Municipality"), {"type": "object", "required": ["initiatives"],
                                           "properties": {"initiatives": {"type": "integer"}}}]}})},
            }},
            "/api/statistics": {"get": {
                "operationId": "getStatistics", "summary": "Support and participation figures",
                "responses": {"200": _ok("The figures", _ref("Statistics"))},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "getOpenApi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": {
            "Theme": theme,
            "Municipality": municipality,
            "Initiative": {"type": "object", "required": list(initiative_properties),
                           "properties": initiative_properties},
            "Update": {"type": "object", "required": ["id", "text", "created_at"], "properties": {
                "id": {"type": "integer"}, "text": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"}}},
            "InitiativeDetail": {"allOf": [_ref("Initiative"), {
                "type": "object", "required": ["updates"],
                "properties": {"updates": {"type": "array", "items": _ref("Update")}}}]},
            "InitiativePage": {"type": "object", "required": ["items", "total", "page", "per_page", "pages", "links"],
                               "properties": {
                "items": {"type": "array", "items": _ref("Initiative")},
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "pages": {"type": "integer"},
                "links": {"type": "object", "required": ["self", "previous", "next"], "properties": {
                    "self": _NULLABLE_STRING, "previous": _NULLABLE_STRING, "next": _NULLABLE_STRING}},
            }},
            "Statistics": {"type": "object", "required": [
                "initiatives", "members", "followers", "support", "participants", "contributors",
                "participation_rate", "by_theme", "by_municipality", "top_initiatives", "over_time"], "properties": {
                "initiatives": {"type": "integer"}, "members": {"type": "integer"},
                "followers": {"type": "integer"}, "support": {"type": "integer"},
                "participants": {"type": "integer", "description": "Registered participants"},
                "contributors": {"type": "integer", "description": "Participants who submitted an initiative, "
                                 "posted an update, joined an initiative or offered coaching"},
                "participation_rate": {"type": "number", "description": "contributors / participants"},
                "by_theme": {"type": "array", "items": {"allOf": [group, {"type": "object", "properties": {
                    "theme": {"oneOf": [_ref("Theme"), {"type": "null"}]}}}]}},
                "by_municipality": {"type": "array", "items": {"allOf": [group, {"type": "object", "properties": {
                    "municipality": {"oneOf": [_ref("Municipality"), {"type": "null"}]}}}]}},
                "top_initiatives": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "support": {"type": "integer"},
                    "url": {"type": "string", "format": "uri"}}}},
                "over_time": {"type": "array", "items": {"type": "object", "properties": {
                    "month": {"type": "string", "description": "YYYY-MM"},
                    "initiatives": {"type": "integer"}, "participants": {"type": "integer"},
                    "initiatives_total": {"type": "integer"}, "participants_total": {"type": "integer"}}}},
            }},
            "Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"}, "parameter": {"type": "string"}}},
        }},
    }
