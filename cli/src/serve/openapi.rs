//! The OpenAPI 3.1 document of the HTTP API, served at `GET /v1/openapi.json` and checked in
//! at `cli/openapi.json` (`smart-accounts openapi > cli/openapi.json`; a test fails when they
//! differ). The core crate's types (quote, report, command, event) are described as objects
//! whose shape is the core crate's serde format; their JSON Schemas live under `docs/schemas/`.

use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn ok(schema: &str, description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn post(summary: &str, request: &str, response: &str, extra: &[(&str, &str)]) -> Value {
    let mut responses = json!({
        "200": ok(response, "The answer."),
        "400": error_response("Malformed JSON or an unknown field: the message and `path` name the field."),
        "401": error_response("No bearer token, or an unknown one."),
        "403": error_response("The caller may not do this: the message names the rule."),
        "404": error_response("A name (user, account, Virtual Account) that does not resolve."),
        "413": error_response("The body is larger than the service accepts (--max-body)."),
    });
    for (code, description) in extra {
        if let Some(map) = responses.as_object_mut() {
            map.insert((*code).to_owned(), error_response(description));
        }
    }
    json!({
        "summary": summary,
        "security": [{ "bearer": [] }],
        "requestBody": body(request),
        "responses": responses,
    })
}

fn opaque(description: &str) -> Value {
    json!({ "type": "object", "description": description })
}

fn strings(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

/// The document.
pub(crate) fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "smart-accounts",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Smart Accounts rules engine as a JSON API: validate quotes, check permissions, run commands with expected versions (EV005), read event streams, get best-practice advice. Every request but /healthz and /v1/openapi.json carries `Authorization: Bearer TOKEN`. Answers name people by email, accounts by domain and Virtual Accounts by path (`acme.com/EMEA/EMEA-Sales`). Errors carry the rule (`ROLE005`, `EV005`, …)."
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": { "type": "integer" },
                        "rule": strings("The rule, e.g. ROLE005 or EV005, where one applies."),
                        "message": strings("What went wrong, with names."),
                        "path": strings("The path of the bad field, e.g. quote.lines[2].quantity."),
                        "stream": strings("409: the stream that moved (directory, or an account's domain)."),
                        "expected": { "type": "integer", "description": "409: the version the command expected." },
                        "actual": { "type": "integer", "description": "409: the version the stream is at." }
                    }
                },
                "ValidateRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["quote", "stage", "date"],
                    "properties": {
                        "quote": opaque("A quote in the core crate's format (docs/schemas/quote.json)."),
                        "stage": { "type": "string", "enum": ["submit", "order", "change"] },
                        "date": { "type": "string", "format": "date" },
                        "calendar": { "type": "string", "enum": ["cisco", "original"], "default": "cisco" }
                    }
                },
                "ValidateResponse": {
                    "type": "object",
                    "required": ["allowed", "report", "text"],
                    "properties": {
                        "allowed": { "type": "boolean", "description": "Allowed, or allowed on Smart Account Hold." },
                        "report": opaque("The report in the core crate's format (docs/schemas/report.json)."),
                        "text": strings("The report for people, with names.")
                    }
                },
                "CheckRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["user", "action", "target"],
                    "properties": {
                        "user": strings("Email, Cisco.com login or user:N."),
                        "action": strings("e.g. manage_licenses, view_account, assign_va_roles."),
                        "target": strings("An account (acme.com) or a Virtual Account (acme.com/EMEA/EMEA-Sales)."),
                        "date": { "type": "string", "format": "date", "description": "Check as of this day: grants that expire count." }
                    }
                },
                "CheckResponse": {
                    "type": "object",
                    "required": ["allowed", "user", "action", "target"],
                    "properties": {
                        "allowed": { "type": "boolean" },
                        "user": { "type": "string" },
                        "action": { "type": "string" },
                        "target": { "type": "string" }
                    }
                },
                "Via": {
                    "type": "object",
                    "properties": {
                        "role": strings("e.g. va_user."),
                        "bound_to": strings("The account or Virtual Account the role is bound to."),
                        "inherited": { "type": "boolean" },
                        "text": strings("As a sentence.")
                    }
                },
                "Decision": {
                    "type": "object",
                    "required": ["allowed", "user", "action", "target", "would_grant", "explanation"],
                    "properties": {
                        "allowed": { "type": "boolean" },
                        "user": { "type": "string" },
                        "action": { "type": "string" },
                        "target": { "type": "string" },
                        "via": { "oneOf": [{ "$ref": "#/components/schemas/Via" }, { "type": "null" }] },
                        "would_grant": { "type": "array", "items": { "type": "string" } },
                        "explanation": strings("ROLE009: why, with names.")
                    }
                },
                "WhoCanRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["action", "target"],
                    "properties": {
                        "action": { "type": "string" },
                        "target": { "type": "string" },
                        "date": { "type": "string", "format": "date" }
                    }
                },
                "WhoCanResponse": {
                    "type": "object",
                    "properties": {
                        "action": { "type": "string" },
                        "target": { "type": "string" },
                        "users": { "type": "array", "items": { "$ref": "#/components/schemas/Decision" } }
                    }
                },
                "CommandRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["command"],
                    "properties": {
                        "command": opaque("A command in the core crate's format (docs/schemas/command.json), run as the token's actor at the service's time."),
                        "command_id": strings("An idempotency key: a retry with the same ID appends nothing and answers with the first run."),
                        "expected": {
                            "type": "array",
                            "description": "EV005: the versions the caller read; a stream that moved since is a 409.",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "required": ["stream", "version"],
                                "properties": {
                                    "stream": strings("directory, or an account (domain, email, name or sa:N)."),
                                    "version": { "type": "integer", "minimum": 0 }
                                }
                            }
                        }
                    }
                },
                "CommandResponse": {
                    "type": "object",
                    "properties": {
                        "repeated": { "type": "boolean" },
                        "versions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": { "stream": { "type": "string" }, "version": { "type": "integer" } }
                            }
                        },
                        "directory_events": { "type": "array", "items": opaque("An event of the directory's stream (docs/schemas/event.json).") },
                        "account_events": { "type": "array", "items": opaque("An event of an account's stream (docs/schemas/event.json).") }
                    }
                },
                "EventsResponse": {
                    "type": "object",
                    "properties": {
                        "stream": { "type": "string" },
                        "version": { "type": "integer" },
                        "events": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "stream": { "type": "string" },
                                    "stream_id": { "type": "integer" },
                                    "seq": { "type": "integer" },
                                    "position": { "type": "integer" },
                                    "command": { "type": ["string", "null"] },
                                    "event": opaque("The stored event (docs/schemas/event.json).")
                                }
                            }
                        }
                    }
                },
                "AdviceResponse": {
                    "type": "object",
                    "properties": {
                        "date": { "type": "string", "format": "date" },
                        "advice": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "rule": { "type": "string" },
                                    "severity": { "type": "string", "enum": ["info", "warning", "critical"] },
                                    "account": { "type": ["string", "null"] },
                                    "subject": { "type": "string" },
                                    "message": { "type": "string" },
                                    "fix": { "type": "string" }
                                }
                            }
                        }
                    }
                },
                "OrderResponse": {
                    "type": "object",
                    "required": ["order", "lines"],
                    "properties": {
                        "order": opaque("The order record (Q011) in the core crate's format: the quote with its current assignments and one state per line (docs/schemas/event.schema.json, OrderRecord)."),
                        "lines": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "line": { "type": "integer", "description": "The order line: 1 for the quote's first line; deposits name it." },
                                    "id": { "type": "string", "description": "The quote's line identifier." },
                                    "state": { "type": "string", "enum": ["unassigned", "on_hold", "ready", "booked", "fulfilled"] },
                                    "account": { "type": ["string", "null"], "description": "The assigned account, by domain or email." },
                                    "va": { "type": ["string", "null"], "description": "The Virtual Account, by path." },
                                    "waits_for": { "type": ["string", "null"], "description": "On hold: what releases it, with names." }
                                }
                            }
                        }
                    }
                },
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": { "type": "string" },
                        "position": { "type": "integer" },
                        "accounts": { "type": "integer" }
                    }
                }
            }
        },
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Liveness and readiness: the store is loaded.",
                    "responses": { "200": ok("Health", "Up.") }
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "responses": { "200": { "description": "The OpenAPI document." } }
                }
            },
            "/v1/quotes/validate": {
                "post": post("Validate a quote for a stage on a date (Q001–Q010). Any known caller.", "ValidateRequest", "ValidateResponse", &[])
            },
            "/v1/check": {
                "post": post("May a user do an action on a target? Users may ask about themselves, or about targets they may view.", "CheckRequest", "CheckResponse", &[])
            },
            "/v1/explain": {
                "post": post("As /v1/check, with the explanation (ROLE009).", "CheckRequest", "Decision", &[])
            },
            "/v1/who-can": {
                "post": post("The users allowed an action on a target (ROLE010).", "WhoCanRequest", "WhoCanResponse", &[])
            },
            "/v1/commands": {
                "post": post(
                    "Run a command as the token's actor, with expected versions (EV005).",
                    "CommandRequest",
                    "CommandResponse",
                    &[
                        ("409", "Conflict (EV005): a stream moved since the expected version, or another writer committed first; `stream`, `expected` and `actual` say which."),
                        ("422", "The command breaks a rule: the message names it and the entity."),
                        ("503", "The store is unavailable."),
                    ],
                )
            },
            "/v1/streams/{stream}/events": {
                "get": {
                    "summary": "A stream's events after a version. An account's log needs the SA Admin role (EV001) or vendor support; the directory's stream is for vendor support and fulfilment.",
                    "security": [{ "bearer": [] }],
                    "parameters": [
                        { "name": "stream", "in": "path", "required": true, "schema": { "type": "string" }, "description": "directory, or an account (domain, email, name or sa:N)." },
                        { "name": "after", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 10000, "default": 1000 } }
                    ],
                    "responses": {
                        "200": ok("EventsResponse", "The events and the stream's version."),
                        "400": error_response("A bad query parameter."),
                        "401": error_response("No bearer token, or an unknown one."),
                        "403": error_response("The caller may not read this stream: the message names the rule."),
                        "404": error_response("No such stream.")
                    }
                }
            },
            "/v1/orders/{order}": {
                "get": {
                    "summary": "An order record (Q011): each line on Smart Account Hold, ready, booked or fulfilled, with names. For users of the quoting partner or distributor, the fulfilment system and vendor support. Orders are placed, assigned and booked with POST /v1/commands (`{\"order\": {\"place\": …}}`).",
                    "security": [{ "bearer": [] }],
                    "parameters": [
                        { "name": "order", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The ordering system's order identifier." }
                    ],
                    "responses": {
                        "200": ok("OrderResponse", "The record."),
                        "400": error_response("Not an order identifier."),
                        "401": error_response("No bearer token, or an unknown one."),
                        "403": error_response("The caller may not read the order (Q011)."),
                        "404": error_response("No such order is recorded (Q011).")
                    }
                }
            },
            "/v1/advice": {
                "get": {
                    "summary": "Best-practice advice (BP001–BP009) for an account, or the whole directory (vendor support, fulfilment).",
                    "security": [{ "bearer": [] }],
                    "parameters": [
                        { "name": "account", "in": "query", "schema": { "type": "string" } },
                        { "name": "date", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "Default: today (UTC)." }
                    ],
                    "responses": {
                        "200": ok("AdviceResponse", "The advice."),
                        "400": error_response("A bad query parameter."),
                        "401": error_response("No bearer token, or an unknown one."),
                        "403": error_response("The caller may not view the account (ROLE005)."),
                        "404": error_response("No such account.")
                    }
                }
            }
        }
    })
}
