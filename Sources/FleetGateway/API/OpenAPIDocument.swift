/// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json (docs/api.md is the prose form).
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Fleetwatch gateway API",
    "version": "1",
    "description": "Machines, their latest values and history. Times are milliseconds since 1970 (UTC). Live updates: WebSocket /api/v1/live (see docs/api.md)."
  },
  "paths": {
    "/api/v1/machines": {
      "get": {
        "summary": "The machines the filters admit (every machine without parameters) with status and summary values",
        "operationId": "listMachines",
        "parameters": [
          {"name": "q", "in": "query", "description": "case-insensitive substring of the hostname or machine id", "schema": {"type": "string"}},
          {"name": "status", "in": "query", "description": "comma-separated: online, stale, offline", "schema": {"type": "string"}},
          {"name": "alerting", "in": "query", "description": "true: with firing or pending alerts; false: without", "schema": {"type": "boolean"}},
          {"name": "label", "in": "query", "description": "name=value or name, repeatable, all must match", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true, "example": ["env=prod"]},
          {"name": "silent", "in": "query", "description": "machines silent for silent_after_s or longer", "schema": {"type": "string", "enum": ["show", "hide", "only"], "default": "show"}},
          {"name": "synthetic", "in": "query", "description": "machines of loadgen and probe (label synthetic)", "schema": {"type": "string", "enum": ["show", "hide", "only"], "default": "show"}},
          {"name": "limit", "in": "query", "description": "page size (default: every match)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {
          "200": {"description": "The fleet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MachineList"}}}},
          "400": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/machines/{machine_id}": {
      "get": {
        "summary": "One machine: identity, latest value of every series, top processes",
        "operationId": "getMachine",
        "parameters": [{"$ref": "#/components/parameters/MachineID"}],
        "responses": {
          "200": {"description": "The machine", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MachineDetail"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "summary": "Retires a machine (admin token): it leaves the lists and live views, its open alerts end (reason \"machine retired\"), its history stays; it rejoins if it reports again (Authorization: Bearer <admin token>)",
        "operationId": "retireMachine",
        "parameters": [{"$ref": "#/components/parameters/MachineID"}],
        "responses": {
          "204": {"description": "Retired"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/machines/{machine_id}/history": {
      "get": {
        "summary": "History of one series over a range, bucketed by a step; read from raw samples or rollups",
        "operationId": "getHistory",
        "parameters": [
          {"$ref": "#/components/parameters/MachineID"},
          {"name": "metric", "in": "query", "required": true, "schema": {"type": "string"}, "example": "cpu.usage_percent"},
          {"name": "label", "in": "query", "description": "name:value matcher, repeatable", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true, "example": ["cpu:total"]},
          {"name": "range", "in": "query", "description": "duration ending at `to`, e.g. 1h, 6h, 24h, 7d, 30d (default 1h)", "schema": {"type": "string"}},
          {"name": "from", "in": "query", "description": "milliseconds since 1970 or RFC 3339", "schema": {"type": "string"}},
          {"name": "to", "in": "query", "description": "milliseconds since 1970 or RFC 3339 (default now)", "schema": {"type": "string"}},
          {"name": "step", "in": "query", "description": "bucket width, e.g. 10s, 5m, 1h (default: about 1,000 points)", "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "The series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/History"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/live": {
      "get": {
        "summary": "WebSocket upgrade: send {\"subscribe\":\"overview\",\"interval_ms\":1000}, {\"subscribe\":\"fleet\"} or {\"subscribe\":\"machine\",\"machine_id\":\"…\"}; receive hello, overview, alerts, machines, samples, processes, alert, probe and error messages",
        "operationId": "live",
        "responses": {"101": {"description": "Switching to the WebSocket protocol"}}
      }
    },
    "/api/v1/alerts": {
      "get": {
        "summary": "Alerts, newest change first",
        "operationId": "listAlerts",
        "parameters": [
          {"name": "status", "in": "query", "description": "comma-separated: pending, firing, resolved, inactive", "schema": {"type": "string"}},
          {"name": "machine_id", "in": "query", "schema": {"type": "string"}},
          {"name": "rule_id", "in": "query", "schema": {"type": "string"}},
          {"name": "since", "in": "query", "description": "changed within this long, e.g. 24h", "schema": {"type": "string"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}
        ],
        "responses": {
          "200": {"description": "Alerts", "content": {"application/json": {"schema": {"type": "object", "properties": {"alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/alerts/detail": {
      "get": {
        "summary": "One alert with its transition history",
        "operationId": "getAlert",
        "parameters": [{"name": "id", "in": "query", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "The alert", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alert"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/rules": {
      "get": {
        "summary": "Every alert rule",
        "operationId": "listRules",
        "responses": {"200": {"description": "Rules", "content": {"application/json": {"schema": {"type": "object", "properties": {"rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}}}}}}}}
      },
      "post": {
        "summary": "Creates a rule (Authorization: Bearer <admin token>)",
        "operationId": "createRule",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rule"}}}},
        "responses": {
          "201": {"description": "The rule", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rule"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/rules/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {
        "summary": "One rule", "operationId": "getRule",
        "responses": {"200": {"description": "The rule", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rule"}}}}, "404": {"$ref": "#/components/responses/Error"}}
      },
      "put": {
        "summary": "Replaces a rule; its version must be the version read (Authorization: Bearer <admin token>)",
        "operationId": "updateRule",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rule"}}}},
        "responses": {
          "200": {"description": "The rule with its next version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rule"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "summary": "Deletes a rule (Authorization: Bearer <admin token>)",
        "operationId": "deleteRule",
        "parameters": [{"name": "version", "in": "query", "description": "only if still at this version", "schema": {"type": "integer"}}],
        "responses": {"204": {"description": "Deleted"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}
      }
    },
    "/api/v1/silences": {
      "get": {
        "summary": "Silences and maintenance windows, newest first (expired ones for 7 days after they ended)",
        "operationId": "listSilences",
        "parameters": [{"name": "state", "in": "query", "description": "active, pending or expired; comma-separated for several", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "Silences", "content": {"application/json": {"schema": {"type": "object", "properties": {"silences": {"type": "array", "items": {"$ref": "#/components/schemas/Silence"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        }
      },
      "post": {
        "summary": "Creates a silence (Authorization: Bearer <admin token>); it stops notifications of the alerts it matches, not their evaluation",
        "operationId": "createSilence",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSilence"}}}},
        "responses": {
          "201": {"description": "The silence", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Silence"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/silences/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "delete": {
        "summary": "Expires a silence now (a pending one never starts); it stays listed as expired (Authorization: Bearer <admin token>)",
        "operationId": "expireSilence",
        "responses": {
          "200": {"description": "The expired silence", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Silence"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/credentials": {
      "get": {
        "summary": "Machine credentials, newest first: fingerprints and times, never the credential (Authorization: Bearer <admin token>)",
        "operationId": "listCredentials",
        "responses": {
          "200": {"description": "Credentials", "content": {"application/json": {"schema": {"type": "object", "properties": {"credentials": {"type": "array", "items": {"$ref": "#/components/schemas/Credential"}}}}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/credentials/events": {
      "get": {
        "summary": "The credential audit trail, newest first: enrollments, revocations, refused attempts counted per machine, reason and minute (Authorization: Bearer <admin token>)",
        "operationId": "listCredentialEvents",
        "parameters": [{"name": "limit", "in": "query", "description": "1 to 1000, default 100", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {
          "200": {"description": "Events", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/CredentialEvent"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/credentials/{machine_id}": {
      "parameters": [{"name": "machine_id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "delete": {
        "summary": "Revokes the machine's active credential; edges refuse it within 5 s, and the machine may enroll again (Authorization: Bearer <admin token>)",
        "operationId": "revokeCredential",
        "responses": {
          "200": {"description": "The revoked credential", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credential"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/pipeline": {
      "get": {
        "summary": "Pipeline health: every queue's depth, consumers and dead letters, and the per-hop latency of `fleetwatch probe`'s synthetic batches as this gateway saw them",
        "operationId": "getPipeline",
        "responses": {
          "200": {"description": "The pipeline; queue figures that could not be read are reported in queues_error, still with status 200", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pipeline"}}}}
        }
      }
    },
    "/api/v1/session": {
      "get": {
        "summary": "Whether this gateway needs a viewer token (FLEETWATCH_VIEWER_TOKEN) and whether the caller has a session or token",
        "operationId": "getSession",
        "responses": {"200": {"description": "{required, signed_in}", "content": {"application/json": {"schema": {"type": "object", "required": ["required", "signed_in"], "properties": {"required": {"type": "boolean"}, "signed_in": {"type": "boolean"}}}}}}}
      },
      "post": {
        "summary": "Browser sign-in: exchanges a viewer token for an HttpOnly, SameSite=Strict session cookie (7 days)",
        "operationId": "signIn",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}},
        "responses": {
          "204": {"description": "Signed in: Set-Cookie fleetwatch_session"},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "summary": "Signs out: clears the session cookie",
        "operationId": "signOut",
        "responses": {"204": {"description": "Signed out"}}
      }
    },
    "/api/v1/openapi.json": {
      "get": {"summary": "This document", "operationId": "openapi", "responses": {"200": {"description": "OpenAPI 3.1"}}}
    }
  },
  "components": {
    "parameters": {
      "MachineID": {"name": "machine_id", "in": "path", "required": true, "schema": {"type": "string"}}
    },
    "responses": {
      "Error": {"description": "What went wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "string"}, "parameter": {"type": ["string", "null"]}}
      },
      "Summary": {
        "type": "object",
        "properties": {
          "cpu_percent": {"type": ["number", "null"]}, "mem_percent": {"type": ["number", "null"]},
          "disk_percent": {"type": ["number", "null"]},
          "disk_read_bytes_per_s": {"type": ["number", "null"]}, "disk_write_bytes_per_s": {"type": ["number", "null"]},
          "net_recv_bytes_per_s": {"type": ["number", "null"]}, "net_sent_bytes_per_s": {"type": ["number", "null"]},
          "load_1m": {"type": ["number", "null"]}
        }
      },
      "Machine": {
        "type": "object",
        "required": ["machine_id", "hostname", "status", "last_seen_ms", "summary"],
        "properties": {
          "machine_id": {"type": "string"}, "hostname": {"type": "string"}, "os": {"type": "string"},
          "kernel": {"type": "string"}, "cores": {"type": "integer"}, "agent_version": {"type": "string"},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "status": {"type": "string", "enum": ["online", "stale", "offline"]},
          "last_seen_ms": {"type": "integer"},
          "summary": {"$ref": "#/components/schemas/Summary"},
          "alerts": {"type": "object", "properties": {"firing": {"type": "integer"}, "pending": {"type": "integer"},
            "silenced": {"type": "integer", "description": "open alerts an active silence matches (not in firing or pending)"},
            "worst": {"type": ["string", "null"], "enum": ["info", "warning", "critical", null]}}},
          "silent": {"type": "boolean", "description": "silent for silent_after_s or longer"},
          "synthetic": {"type": "boolean", "description": "made up by loadgen or probe (label synthetic)"}
        }
      },
      "MachineList": {
        "type": "object",
        "properties": {
          "now_ms": {"type": "integer"}, "stale_after_s": {"type": "integer"}, "offline_after_s": {"type": "integer"},
          "silent_after_s": {"type": "integer"},
          "total": {"type": "integer", "description": "every machine the filters admit"},
          "next_offset": {"type": "integer", "description": "offset of the next page; absent on the last"},
          "machines": {"type": "array", "items": {"$ref": "#/components/schemas/Machine"}}
        }
      },
      "Sample": {
        "type": "object",
        "properties": {
          "metric": {"type": "string"}, "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "value": {"type": "number"}, "t": {"type": "integer"}
        }
      },
      "Process": {
        "type": "object",
        "properties": {
          "pid": {"type": "integer"}, "name": {"type": "string"}, "user": {"type": "string"},
          "cpu_percent": {"type": "number"}, "rss_bytes": {"type": "integer"}
        }
      },
      "Processes": {
        "type": "object",
        "properties": {
          "t": {"type": "integer"},
          "by_cpu": {"type": "array", "items": {"$ref": "#/components/schemas/Process"}},
          "by_memory": {"type": "array", "items": {"$ref": "#/components/schemas/Process"}}
        }
      },
      "MachineDetail": {
        "type": "object",
        "properties": {
          "machine": {"$ref": "#/components/schemas/Machine"},
          "latest": {"type": "array", "items": {"$ref": "#/components/schemas/Sample"}},
          "processes": {"oneOf": [{"$ref": "#/components/schemas/Processes"}, {"type": "null"}]}
        }
      },
      "Alert": {
        "type": "object",
        "properties": {
          "id": {"type": "string"}, "rule_id": {"type": "string"}, "rule_name": {"type": "string"},
          "machine_id": {"type": "string"}, "hostname": {"type": "string"},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "status": {"type": "string", "enum": ["pending", "firing", "resolved", "inactive"]},
          "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
          "started_ms": {"type": "integer"}, "updated_ms": {"type": "integer"},
          "value": {"type": ["number", "null"]}, "description": {"type": "string"},
          "reason": {"type": ["string", "null"]},
          "silenced_by": {"type": "array", "items": {"type": "string"}, "description": "ids of the active silences that match this open alert; [] when none"},
          "history": {"type": "array", "items": {"type": "object", "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, "at_ms": {"type": "integer"}, "value": {"type": ["number", "null"]}}}}
        }
      },
      "Rule": {
        "type": "object", "required": ["name"],
        "properties": {
          "id": {"type": ["string", "null"]}, "name": {"type": "string"}, "metric": {"type": "string"},
          "comparator": {"type": ["string", "null"], "enum": [">", ">=", "<", "<=", null]},
          "threshold": {"type": "number"}, "resolve_threshold": {"type": ["number", "null"]},
          "no_data_seconds": {"type": "integer"},
          "matchers": {"type": "object", "additionalProperties": {"type": "string"}},
          "for_seconds": {"type": "integer"}, "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
          "description": {"type": "string"}, "enabled": {"type": "boolean"},
          "version": {"type": "integer"}, "created_ms": {"type": "integer"}, "updated_ms": {"type": "integer"}
        }
      },
      "Matcher": {
        "type": "object", "required": ["name", "op", "value"],
        "properties": {
          "name": {"type": "string", "description": "a series label, or machine, hostname, rule, rule_id, severity"},
          "op": {"type": "string", "enum": ["=", "!=", "=~", "!~"], "description": "=~ and !~ take an anchored regular expression"},
          "value": {"type": "string"}
        }
      },
      "Silence": {
        "type": "object",
        "properties": {
          "id": {"type": "string"}, "matchers": {"type": "array", "items": {"$ref": "#/components/schemas/Matcher"}},
          "starts_at_ms": {"type": "integer"}, "ends_at_ms": {"type": "integer"},
          "created_by": {"type": "string"}, "comment": {"type": "string"},
          "created_at_ms": {"type": "integer"}, "updated_at_ms": {"type": "integer"},
          "state": {"type": "string", "enum": ["pending", "active", "expired"]}
        }
      },
      "Credential": {
        "type": "object",
        "properties": {
          "machine_id": {"type": "string"}, "fingerprint": {"type": "string", "description": "first 12 hex digits of the credential's SHA-256"},
          "created_at_ms": {"type": "integer"}, "last_used_at_ms": {"type": ["integer", "null"]},
          "revoked_at_ms": {"type": ["integer", "null"]}, "state": {"type": "string", "enum": ["active", "revoked"]}
        }
      },
      "CredentialEvent": {
        "type": "object",
        "properties": {
          "at_ms": {"type": "integer"}, "last_at_ms": {"type": "integer"},
          "machine_id": {"type": "string", "description": "empty when the refused caller named no machine"},
          "kind": {"type": "string", "enum": ["enrolled", "revoked", "refused"]}, "detail": {"type": "string"},
          "count": {"type": "integer"}
        }
      },
      "NewSilence": {
        "type": "object", "required": ["matchers", "created_by"],
        "description": "the end as ends_at_ms or duration, one of the two",
        "properties": {
          "matchers": {"type": "array", "items": {"oneOf": [{"type": "string", "description": "name=value, name!=value, name=~regex or name!~regex"}, {"$ref": "#/components/schemas/Matcher"}]}},
          "starts_at_ms": {"type": "integer", "description": "default now; later makes a maintenance window"},
          "ends_at_ms": {"type": "integer"}, "duration": {"type": "string", "description": "e.g. 30m, 2h, 1d"},
          "created_by": {"type": "string"}, "comment": {"type": "string"}
        }
      },
      "QueueStatus": {
        "type": "object", "required": ["name", "ready", "unacked", "consumers"],
        "properties": {
          "name": {"type": "string"},
          "ready": {"type": "integer", "description": "messages waiting for a consumer"},
          "unacked": {"type": "integer", "description": "messages delivered and not yet acknowledged"},
          "consumers": {"type": "integer"},
          "dead_lettered": {"type": "integer", "description": "messages waiting in the dead-letter queue <name>.dlq; absent for queues without one (perishable fanout and rule-change queues)"}
        }
      },
      "LatencySummary": {
        "type": "object", "required": ["count", "p50", "p90", "p99", "max"],
        "description": "Nearest-rank percentiles in milliseconds over the most recent probes",
        "properties": {
          "count": {"type": "integer"}, "p50": {"type": "integer"}, "p90": {"type": "integer"},
          "p99": {"type": "integer"}, "max": {"type": "integer"}
        }
      },
      "Pipeline": {
        "type": "object", "required": ["now_ms", "queues", "probe"],
        "properties": {
          "now_ms": {"type": "integer"},
          "queues": {"type": "array", "items": {"$ref": "#/components/schemas/QueueStatus"}, "description": "by name; dead-letter queues are folded into dead_lettered; [] when queues_error is set"},
          "queues_error": {"type": "string", "description": "present only when the queue figures are unavailable (e.g. the RabbitMQ management API is unreachable)"},
          "probe": {
            "type": "array",
            "description": "latency from when `fleetwatch probe` sent a batch until each hop was done with it, hops in path order; [] while no probe runs",
            "items": {
              "type": "object", "required": ["hop", "latency"],
              "properties": {
                "hop": {"type": "string", "enum": ["normalized", "persisted", "evaluated", "websocket"]},
                "latency": {"$ref": "#/components/schemas/LatencySummary"}
              }
            }
          }
        }
      },
      "History": {
        "type": "object",
        "properties": {
          "machine_id": {"type": "string"}, "metric": {"type": "string"},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "from_ms": {"type": "integer"}, "to_ms": {"type": "integer"},
          "resolution": {"type": "string", "enum": ["raw", "minute", "hour"]},
          "step_s": {"type": ["integer", "null"]},
          "points": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "t": {"type": "integer"}, "avg": {"type": "number"}, "min": {"type": "number"},
                "max": {"type": "number"}, "count": {"type": "integer"}
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
