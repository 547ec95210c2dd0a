"""Conventions operators and tools expect (issue 13, point 7): /metrics that `promtool check metrics` finds nothing
wrong with (HELP and TYPE on every family), the process_* families and fleetwatch_build_info, and on both gRPC
servers (the ingest edge and the config service) grpc.health.v1 and server reflection v1 and v1alpha.
"""
import importlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import grpc
import pytest

from conftest import BIN, ROOT, require, wait_for
from test_hub import Hub

VERSION = re.search(r'static let current = "([^"]+)"',
                    (ROOT / "Sources/FleetSettings/FleetwatchVersion.swift").read_text()).group(1)
PROCESS_FAMILIES = ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                    "process_open_fds", "process_max_fds", "process_start_time_seconds"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    require(__import__("pathlib").Path(BIN).exists(), f"{BIN} is not built")
    tmp = tmp_path_factory.mktemp("conventions-hub")
    hub = Hub(tmp, tmp / "data")
    hub.start("--interval", "1").wait_ready()
    yield hub
    hub.kill()


@pytest.fixture(scope="module")
def protos(tmp_path_factory):
    """Python modules for grpc.health.v1 and both reflection versions, compiled from proto/ (copied flat, so no
    generated package shadows the `grpc` library)."""
    out = tmp_path_factory.mktemp("protos")
    for source in ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
                   "grpc/reflection/v1alpha/reflection_v1alpha.proto"]:
        shutil.copy(ROOT / "proto" / source, out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{out}", f"--python_out={out}",
                    f"--grpc_python_out={out}", "health.proto", "reflection.proto", "reflection_v1alpha.proto"],
                   check=True, cwd=out)
    sys.path.insert(0, str(out))
    try:
        yield {name: importlib.import_module(name) for name in
               ["health_pb2", "health_pb2_grpc", "reflection_pb2", "reflection_pb2_grpc", "reflection_v1alpha_pb2",
                "reflection_v1alpha_pb2_grpc"]}
    finally:
        sys.path.remove(str(out))


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain"), response.headers["Content-Type"]
        return response.read().decode()


def promtool_findings(text):
    promtool = shutil.which("promtool")
    require(promtool, "promtool is missing: apt-get install prometheus (scripts/install-deps)")
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    return result.returncode, (result.stdout + result.stderr).strip()


def assert_conventional(text):
    code, findings = promtool_findings(text)
    assert code == 0 and findings == "", f"promtool check metrics:\n{findings}"
    families = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    helped = set(re.findall(r"^# HELP (\S+) .+$", text, re.M))
    assert families and all(name in helped for name, _ in families), [n for n, _ in families if n not in helped]
    values = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(process_\w+) (\S+)$", text, re.M)}
    assert set(PROCESS_FAMILIES) <= set(values), values
    assert values["process_cpu_seconds_total"] > 0 and values["process_resident_memory_bytes"] > 1e6
    assert values["process_virtual_memory_bytes"] >= values["process_resident_memory_bytes"]
    assert 0 < values["process_open_fds"] <= values["process_max_fds"]
    assert time.time() - 3600 < values["process_start_time_seconds"] <= time.time() + 1, values
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout if shutil.which("swift") else ""
    build = re.search(r'^fleetwatch_build_info\{version="([^"]+)",swift="([^"]+)"\} 1$', text, re.M)
    assert build and build.group(1) == VERSION, text[-500:]
    if swift:
        assert f"Swift version {build.group(2)}" in swift or build.group(2).endswith("+"), (build.group(2), swift)


def test_promtool_is_clean_on_the_hubs_metrics(hub):
    # After some traffic, so the families that appear with their first sample are there too.
    wait_for(lambda: "fleetwatch_persister_samples_inserted_total" in scrape(hub.url("/metrics")), 20,
             "the persister's first samples in /metrics")
    assert_conventional(scrape(hub.url("/metrics")))


def test_promtool_is_clean_on_a_distributed_ingest_edge_and_config_service(stack):
    ingest = stack.start("ingest", "ingest").wait_ready()
    assert_conventional(ingest.metrics())
    config = stack.config_service().wait_ready()
    assert_conventional(config.metrics())


def test_a_metric_without_help_text_is_a_promtool_finding():
    """The check can fail: a family without HELP is reported."""
    require(shutil.which("promtool"), "promtool is missing: apt-get install prometheus")
    code, findings = promtool_findings("# TYPE fleetwatch_example_total counter\nfleetwatch_example_total 1\n")
    assert code != 0 and "no help text" in findings, findings


def grpc_ports(hub):
    return {"ingest edge": hub.ingest_port, "config service": hub.config_port}


@pytest.mark.parametrize("server", ["ingest edge", "config service"])
def test_grpc_health_on_both_servers(hub, protos, server):
    health_pb2, health_grpc = protos["health_pb2"], protos["health_pb2_grpc"]
    own = "fleetwatch.v1.Ingest" if server == "ingest edge" else "fleetwatch.v1.Rules"
    with grpc.insecure_channel(f"127.0.0.1:{grpc_ports(hub)[server]}") as channel:
        stub = health_grpc.HealthStub(channel)
        for service in ["", own, "grpc.health.v1.Health"]:
            answer = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING, (service, answer)
        with pytest.raises(grpc.RpcError) as unknown:
            stub.Check(health_pb2.HealthCheckRequest(service="no.Such"), timeout=5)
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("server", ["ingest edge", "config service"])
@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_v1_and_v1alpha_on_both_servers(hub, protos, server, version):
    suffix = "" if version == "v1" else "_v1alpha"
    messages, stubs = protos[f"reflection{suffix}_pb2"], protos[f"reflection{suffix}_pb2_grpc"]
    own = "fleetwatch.v1.Ingest" if server == "ingest edge" else "fleetwatch.v1.Rules"
    with grpc.insecure_channel(f"127.0.0.1:{grpc_ports(hub)[server]}") as channel:
        stub = stubs.ServerReflectionStub(channel)
        requests = [messages.ServerReflectionRequest(list_services="*"),
                    messages.ServerReflectionRequest(file_containing_symbol=own),
                    messages.ServerReflectionRequest(file_containing_symbol="no.Such")]
        answers = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
    assert len(answers) == 3, answers
    listed = {service.name for service in answers[0].list_services_response.service}
    assert {own, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"} <= listed, listed
    files = answers[1].file_descriptor_response.file_descriptor_proto
    assert files, answers[1]
    from google.protobuf import descriptor_pb2
    first = descriptor_pb2.FileDescriptorProto.FromString(files[0])
    assert first.package == "fleetwatch.v1" and own.split(".")[-1] in [s.name for s in first.service], first.name
    assert answers[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0], answers[2]
