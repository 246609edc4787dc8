"""The OpenAPI 3 description of CareMode's JSON API, served at /api/schema.json."""

from __future__ import annotations

from typing import Any

from caremode.core import codes
from caremode.decisions.rules import PREFERENCES, RISK_LEVELS, RULES_VERSION, WAITING_OUTCOMES

YES_NO = {"type": "string", "enum": ["yes", "no", ""]}
REASON = {
    "type": "object",
    "required": ["rule", "text", "evidence", "effect"],
    "properties": {
        "rule": {"type": "string"},
        "text": {"type": "string"},
        "evidence": {"type": "array", "items": {"type": "string", "pattern": "^E[0-9]+$"}},
        "effect": {
            "type": "string",
            "enum": ["favour", "caution", "avoid", "preference", "safety", "prompt"],
        },
    },
}
RANKED = {
    "type": "object",
    "required": [
        "mode",
        "rank",
        "score",
        "offered",
        "preference",
        "reasons",
        "cautions",
        "put_in_place",
    ],
    "properties": {
        "mode": {"type": "string", "enum": list(codes.MODES)},
        "rank": {"type": "integer", "minimum": 1, "maximum": 5},
        "score": {"type": "number"},
        "offered": {"type": "boolean"},
        "preference": {"type": "string", "enum": list(PREFERENCES), "nullable": True},
        "reasons": {"type": "array", "items": REASON},
        "cautions": {"type": "array", "items": REASON},
        "put_in_place": {"type": "array", "items": {"type": "string"}},
    },
}
ERROR = {
    "type": "object",
    "required": ["error", "field"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}


def build_schema() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "CareMode API",
            "version": "1",
            "description": "Decision support for the mode of a contact. Session sign-in with the "
            "staff second factor; a person outside the caller's care gives 404.",
        },
        "paths": {
            "/api/service-users/{pk}/recommendation/": {
                "get": {
                    "operationId": "getRecommendation",
                    "summary": "Rank the five modes for one person and kind of contact",
                    "parameters": [
                        {
                            "name": "pk",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "consultation_type",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "enum": list(codes.CONSULTATION_TYPES)},
                        },
                        {
                            "name": "risk_level",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": [*RISK_LEVELS, ""]},
                        },
                        {
                            "name": "recent_deterioration",
                            "in": "query",
                            "required": False,
                            "schema": YES_NO,
                        },
                        {
                            "name": "carer_involvement_wanted",
                            "in": "query",
                            "required": False,
                            "schema": YES_NO,
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The recommendation, advisory and explained",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": [
                                            "rules_version",
                                            "consultation_type",
                                            "ranked",
                                            "missing_information",
                                            "put_in_place",
                                            "rules_applied",
                                        ],
                                        "properties": {
                                            "rules_version": {
                                                "type": "string",
                                                "example": RULES_VERSION,
                                            },
                                            "consultation_type": {"type": "string"},
                                            "ranked": {
                                                "type": "array",
                                                "items": RANKED,
                                                "minItems": 5,
                                                "maxItems": 5,
                                            },
                                            "missing_information": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                            "put_in_place": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                            "rules_applied": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                            "prompts": {
                                                "type": "array",
                                                "items": REASON,
                                                "description": "What to do whatever the mode, "
                                                "such as inviting a carer whose consent allows",
                                            },
                                            "relationship": {
                                                "type": ["string", "null"],
                                                "description": "The clinician's history with "
                                                "the person, in plain words",
                                            },
                                            "waiting_outcomes": {
                                                "type": "array",
                                                "items": {
                                                    "type": "string",
                                                    "enum": list(WAITING_OUTCOMES),
                                                },
                                                "description": "What may be agreed instead of "
                                                "a mode, where the evidence supports it: pause "
                                                "and keep in touch, or wait for face to face",
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {
                            "description": "A parameter is not valid; `field` names it",
                            "content": {"application/json": {"schema": ERROR}},
                        },
                        "404": {"description": "No such person in the caller's care"},
                    },
                }
            }
        },
    }
