"""W3C tracing end to end: a collector's batch starts a trace; the edge, the normalizer, the persister and
the alert evaluator each continue it (gRPC batch field and metadata, then AMQP headers), export their spans
over OTLP/HTTP to the endpoint configured with the standard OTEL_* variables, and write the trace id into
their JSON log lines about that batch."""
import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import wait_for


class OTLPReceiver:
    """A minimal OTLP/HTTP JSON trace receiver: keeps every span with its service name."""

    def __init__(self):
        self.spans = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    receiver.take(json.loads(body))
                    self.send_response(200)
                except ValueError:
                    self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def hex_id(value):
        """OTLP/JSON ids are hex; accept base64 (protobuf's JSON mapping of bytes) too."""
        if not value:
            return ""
        try:
            int(value, 16)
            return value.lower()
        except ValueError:
            return base64.b64decode(value).hex()

    def take(self, request):
        with self.lock:
            for resource_spans in request.get("resourceSpans", []):
                attributes = {a["key"]: a["value"].get("stringValue") for a in
                              resource_spans.get("resource", {}).get("attributes", [])}
                for scope in resource_spans.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        self.spans.append({
                            "service": attributes.get("service.name"), "name": span["name"],
                            "trace": self.hex_id(span.get("traceId")), "span": self.hex_id(span.get("spanId")),
                            "parent": self.hex_id(span.get("parentSpanId")),
                        })

    def traces(self):
        with self.lock:
            by_trace = {}
            for span in self.spans:
                by_trace.setdefault(span["trace"], []).append(span)
            return by_trace

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = OTLPReceiver()
    yield r
    r.close()


def test_a_batch_is_one_trace_across_every_service(stack, receiver):
    stack.env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.port}",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/json",
        OTEL_BSP_SCHEDULE_DELAY="200",
        FLEETWATCH_LOG_LEVEL="debug",
    )
    stack.pipeline()
    evaluator = stack.alert_evaluator().wait_ready()
    stack.collector("trace-host", interval=1).wait_ready()

    wanted = {"ingest": "ingest batch", "normalize": "normalize batch", "persist": "persist batch",
              "alert": "evaluate batch"}

    def complete_trace():
        for trace, spans in receiver.traces().items():
            names = {(s["service"], s["name"]) for s in spans}
            if all(pair in names for pair in wanted.items()):
                return trace, spans
        return None

    wait_for(lambda: complete_trace() is not None, 60,
             f"one trace with spans of {sorted(wanted)} at the OTLP receiver (got {len(receiver.spans)} spans)")
    trace, spans = complete_trace()
    span_of = {s["service"]: s for s in spans if (s["service"], s["name"]) in wanted.items()}
    # The chain: collector (remote parent) → edge → normalizer → persister and evaluator.
    assert span_of["ingest"]["parent"], "the edge's span has the collector's batch context as its parent"
    assert span_of["normalize"]["parent"] == span_of["ingest"]["span"], spans
    assert span_of["persist"]["parent"] == span_of["normalize"]["span"], spans
    assert span_of["alert"]["parent"] == span_of["normalize"]["span"], spans

    # Every service's log line about that batch carries the trace id.
    logs = {"ingest": stack.ingest, "normalize": stack.normalize, "persist": stack.persist, "alert": evaluator}
    messages = {"ingest": "batch published", "normalize": "batch normalized", "persist": "batch persisted",
                "alert": "batch evaluated"}
    for service, process in logs.items():
        wait_for(lambda: any(line.get("trace_id") == trace and line.get("msg") == messages[service]
                             for line in process.log_lines()), 10,
                 f"{service}'s '{messages[service]}' log line with trace_id {trace}")
