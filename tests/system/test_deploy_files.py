"""deploy/: the container image, the compose stack and the agent roll-out (issue 7), checked without Docker,
RabbitMQ or PostgreSQL.

- deploy/compose.yaml passes `docker-compose config` (1.29.2, from scripts/install-deps) and, parsed as YAML,
  has replicas, health checks, restart policies and resource limits where docs/operations.md says, and no
  secret written into it; its RabbitMQ is a 3-node cluster (classic-config peer discovery, a shared Erlang cookie
  secret, every service given the three nodes' URLs);
- deploy/Dockerfile is multi-stage, runs as a non-root user and has a HEALTHCHECK; deploy/images/fleetwatch/Dockerfile
  (from a prebuilt binary) ends like it and shares its runtime layer; the apt-built RabbitMQ and PostgreSQL images
  keep the official images' contract the compose file uses (tests/system/test_compose.py builds and runs them all);
- deploy/healthcheck (the image's probe) finds the right port and reports HTTP status as exit code;
- deploy/init-secrets writes the secrets, the RabbitMQ user's password hash and deploy/.env;
- deploy/agent/install.sh stages the agent under a prefix (with a collector token, or a join token and a CA kept in
  a root-only agent.env), and its unit passes `systemd-analyze verify`.

Locally a missing docker-compose (or PyYAML, curl) skips a test with the reason; under CI=true it fails it.
`systemd-analyze verify` is skipped wherever systemd-analyze is missing."""
import base64
import hashlib
import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import BIN, ROOT, free_port, require

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
HEALTHCHECK = DEPLOY / "healthcheck"
INIT_SECRETS = DEPLOY / "init-secrets"
AGENT = DEPLOY / "agent"
INSTALL = AGENT / "install.sh"
UNIT = AGENT / "fleetwatch-agent.service"
SECRETS = DEPLOY / "secrets"
IMAGES = DEPLOY / "images"
PREBUILT_DOCKERFILE = IMAGES / "fleetwatch/Dockerfile"
CONTAINER_SCRIPTS = ROOT / "scripts/containers"

FLEETWATCH_SERVICES = ["ingest", "normalize", "persist", "alert", "gateway", "config-service", "probe", "collector"]
REPLICATED = ["normalize", "persist", "alert", "gateway"]
SUBCOMMAND = {service: service for service in FLEETWATCH_SERVICES} | {"collector": "collect"}
# The health listener each subcommand uses (docs/architecture.md, "Processes and ports").
HEALTH_PORT = {"ingest": 9070, "normalize": 9071, "persist": 9072, "collector": 9073, "config-service": 9074,
               "alert": 9075, "probe": 9076, "gateway": 8080}
# Values used only to render the compose file; they are nobody's secrets.
VALIDATION_ENV = {"FLEETWATCH_DB_PASSWORD": "validation-db-password", "FLEETWATCH_AMQP_PASSWORD": "validation-amqp-password"}
# What tests/system/test_compose.py and docs/operations.md set for podman-compose (scripts/containers/build-images).
BROKERS = ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]
PODMAN_ENV = {"FLEETWATCH_IMAGE": "localhost/fleetwatch:latest",
              "FLEETWATCH_RABBITMQ_IMAGE": "localhost/fleetwatch-rabbitmq:3.10",
              "FLEETWATCH_POSTGRES_IMAGE": "localhost/fleetwatch-postgres:15",
              "FLEETWATCH_GATEWAY_PUBLISH": "127.0.0.1::8080", "FLEETWATCH_MANAGEMENT_PORT": "25673",
              "FLEETWATCH_SECRETS_DIR": "/tmp/compose-secrets"}
SECRETS_DIR = "${FLEETWATCH_SECRETS_DIR:-./secrets}"


def yaml_module():
    try:
        import yaml
    except ImportError:
        require(False, "PyYAML is not installed (scripts/install-deps installs it)")
    return yaml


def load_compose():
    return yaml_module().safe_load(COMPOSE.read_text())


def docker_compose():
    """docker-compose 1.29.2 from scripts/install-deps' virtualenv, FLEETWATCH_DOCKER_COMPOSE, or PATH."""
    candidates = [os.environ.get("FLEETWATCH_DOCKER_COMPOSE"), str(ROOT / ".data/tools/docker-compose/bin/docker-compose"),
                  shutil.which("docker-compose")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    require(False, "docker-compose is not installed (scripts/install-deps puts 1.29.2 into .data/tools/docker-compose)")


def compose_env(**extra):
    """The environment without any FLEETWATCH_* or COMPOSE_* variable of the caller, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETWATCH_", "COMPOSE_"))}
    env.update(extra)
    return env


def run_compose(*args, env):
    return subprocess.run([docker_compose(), "-f", str(COMPOSE), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def sources_text():
    return "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift") if "FleetProto" not in p.parts)


# --- compose ---------------------------------------------------------------------------------------------

def test_compose_config_is_valid_for_docker_compose_1_29_2():
    result = run_compose("--profile", "collector", "config", "-q", env=compose_env(**VALIDATION_ENV))
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stdout}\n{result.stderr}"


def test_compose_renders_the_official_images_by_default_and_the_local_ones_for_podman():
    default = run_compose("config", env=compose_env(**VALIDATION_ENV))
    assert default.returncode == 0, default.stderr
    services = yaml_module().safe_load(default.stdout)["services"]
    assert {services[b]["image"] for b in BROKERS} == {"rabbitmq:3-management"} and services["postgres"]["image"] == "postgres:15"
    assert services["ingest"]["image"] == "fleetwatch:latest"
    assert [services[b]["ports"] for b in BROKERS] == [[f"127.0.0.1:{port}:15672/tcp"] for port in (15672, 15673, 15674)]
    assert services["gateway"]["ports"] == [{"published": "8080-8089", "target": 8080}]

    podman = run_compose("config", env=compose_env(**VALIDATION_ENV, **PODMAN_ENV))
    assert podman.returncode == 0, podman.stderr
    rendered = yaml_module().safe_load(podman.stdout)
    services = rendered["services"]
    assert {services[b]["image"] for b in BROKERS} == {"localhost/fleetwatch-rabbitmq:3.10"}
    assert services["postgres"]["image"] == "localhost/fleetwatch-postgres:15"
    assert {services[name]["image"] for name in ["ingest", "normalize", "persist", "alert", "gateway", "probe"]} == \
        {"localhost/fleetwatch:latest"}
    assert services["rabbitmq-1"]["ports"] == ["127.0.0.1:25673:15672/tcp"]
    # Every gateway replica on a free loopback port.
    assert services["gateway"]["ports"] == ["127.0.0.1::8080/tcp"]
    assert {name: spec["file"] for name, spec in rendered["secrets"].items()} == \
        {name: f"/tmp/compose-secrets/{name}" for name in ["collector_token", "admin_token", "db_password", "erlang_cookie"]}
    for broker in BROKERS:
        users = next(v for v in services[broker]["volumes"] if isinstance(v, dict) and v["target"].endswith("20-users.json"))
        assert users["source"] == "/tmp/compose-secrets/rabbitmq_users.json"


def test_compose_renders_the_passwords_into_the_urls_and_refuses_to_run_without_them(tmp_path):
    result = run_compose("--profile", "collector", "config", env=compose_env(**VALIDATION_ENV))
    assert result.returncode == 0, result.stderr
    rendered = yaml_module().safe_load(result.stdout)["services"]
    for name in ["persist", "alert", "gateway", "config-service"]:
        env = environment(rendered[name])
        assert env["FLEETWATCH_DATABASE_URL"] == "postgres://fleetwatch:validation-db-password@postgres:5432/fleetwatch"
    # The three nodes of the cluster, in order: each connection starts at one and fails over to the others.
    for name in ["ingest", "normalize", "persist", "alert", "gateway", "config-service"]:
        assert environment(rendered[name])["FLEETWATCH_AMQP_URL"] == ",".join(
            f"amqp://fleetwatch:validation-amqp-password@{broker}:5672/%2f" for broker in BROKERS)
    assert environment(rendered["gateway"])["FLEETWATCH_MANAGEMENT_URL"] == \
        "http://fleetwatch:validation-amqp-password@rabbitmq-1:15672"
    # Without deploy/.env (an empty env file stands in for it) the URLs would lack their passwords: refused.
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = run_compose("--env-file", str(empty), "config", "-q", env=compose_env())
    assert result.returncode != 0
    assert "run deploy/init-secrets" in result.stdout + result.stderr


def test_compose_services_replicas_health_checks_restart_policies_and_limits():
    services = load_compose()["services"]
    assert set(services) == {*BROKERS, "postgres", *FLEETWATCH_SERVICES}
    for name in REPLICATED:
        replicas = services[name].get("deploy", {}).get("replicas", 1)
        assert isinstance(replicas, int) and replicas >= 2, f"{name}: deploy.replicas is {replicas}"
        # podman-compose counts replicas only with it.
        assert services[name]["deploy"].get("mode") == "replicated", f"{name}: deploy.mode must be replicated"
    for name, service in services.items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test != ["NONE"] and not service["healthcheck"].get("disable"), f"{name}: no health check"
        restart = service.get("restart") or service.get("deploy", {}).get("restart_policy", {}).get("condition")
        assert restart in ("always", "unless-stopped", "on-failure", "any"), f"{name}: restart policy {restart!r}"
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("cpus") and limits.get("memory"), f"{name}: deploy.resources.limits needs cpus and memory"


def test_compose_fleetwatch_services_run_their_subcommand_and_probe_its_health_port():
    services = load_compose()["services"]
    for name in FLEETWATCH_SERVICES:
        service = services[name]
        assert service["command"][0] == SUBCOMMAND[name]
        assert service["image"].startswith("${FLEETWATCH_IMAGE:-fleetwatch")
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        test = service["healthcheck"]["test"]
        assert test[:3] == ["CMD", "fleetwatch-healthcheck", SUBCOMMAND[name]], f"{name}: {test}"
        # The probe, given the service's environment, asks the port the service listens on.
        env = compose_env(**{k: v for k, v in environment(service).items() if k in ("FLEETWATCH_HEALTH_ADDR", "FLEETWATCH_HTTP_ADDR")})
        url = subprocess.run(["sh", str(HEALTHCHECK), "--url", *test[2:]], env=env, capture_output=True, text=True,
                             check=True).stdout.strip()
        assert url == f"http://127.0.0.1:{HEALTH_PORT[name]}{test[3]}", f"{name}: probes {url}"


def test_compose_every_fleetwatch_variable_exists_in_the_code():
    code = sources_text()
    services = load_compose()["services"]
    for name in FLEETWATCH_SERVICES:
        for variable in environment(services[name]):
            if variable.startswith("FLEETWATCH_"):
                assert f'"{variable}"' in code or f'"{variable.removesuffix("_FILE")}"' in code, \
                    f"{name}: {variable} is read nowhere in Sources/"


def test_compose_secrets_come_from_files_and_only_through_supported_file_variables():
    compose = load_compose()
    code = sources_text()
    # Setting.secret(…, env: "X") also reads X_FILE: the only *_FILE variables fleetwatch knows.
    supported = {f"{v}_FILE" for v in re.findall(r'Setting\.secret\([^)]*env: "(FLEETWATCH_[A-Z_]+)"', code)}
    assert {"FLEETWATCH_TOKEN_FILE", "FLEETWATCH_ADMIN_TOKEN_FILE"} <= supported
    declared = compose["secrets"]
    for secret, spec in declared.items():
        assert spec == {"file": f"{SECRETS_DIR}/{secret}"}, f"secret {secret}: {spec}"
        assert (SECRETS / f"{secret}.example").is_file(), f"no deploy/secrets/{secret}.example"
    for name, service in compose["services"].items():
        mounted = {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}
        for variable, value in environment(service).items():
            if variable.endswith("_FILE"):
                if variable.startswith("FLEETWATCH_"):
                    assert variable in supported, f"{name}: fleetwatch has no {variable}"
                match = re.fullmatch(r"/run/secrets/([a-z_]+)", value)
                assert match and match.group(1) in mounted, f"{name}: {variable}={value} is not a mounted secret"
            elif re.search(r"TOKEN|PASSWORD|SECRET", variable):
                pytest.fail(f"{name}: {variable} is set inline; use {variable}_FILE and a secret")
            if "://" in value and "@" in value:
                password = value.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", password), f"{name}: {variable} holds a password inline"


def test_compose_file_holds_no_secret_value():
    text = COMPOSE.read_text()
    values = [p.read_text().strip() for p in SECRETS.glob("*.example")]
    # Real secrets, where deploy/init-secrets made them on this machine.
    values += [p.read_text().strip() for p in SECRETS.iterdir()
               if p.is_file() and p.suffix == "" and p.name not in (".gitignore",)]
    assert values
    for value in values:
        assert value and value not in text
    assert "guest" not in text, "no default RabbitMQ credentials: the user comes from deploy/secrets/rabbitmq_users.json"


def test_compose_brokers_configuration():
    compose = load_compose()
    services = compose["services"]
    for broker in BROKERS:
        rabbitmq = services[broker]
        assert rabbitmq["image"] == "${FLEETWATCH_RABBITMQ_IMAGE:-rabbitmq:3-management}"
        # A fixed hostname is a fixed node name (rabbit@rabbitmq-1 …), which the cluster conf lists; data of its own.
        assert rabbitmq["hostname"] == broker
        assert f"{broker}-data:/var/lib/rabbitmq" in rabbitmq["volumes"] and f"{broker}-data" in compose["volumes"]
        mounts = {v["target"]: v["source"] for v in rabbitmq["volumes"] if isinstance(v, dict)}
        assert mounts["/etc/rabbitmq/enabled_plugins"] == "../broker/enabled_plugins"
        assert mounts["/etc/rabbitmq/definitions.d/10-topology.json"] == "../broker/definitions.json"
        assert mounts["/etc/rabbitmq/definitions.d/20-users.json"] == f"{SECRETS_DIR}/rabbitmq_users.json"
        assert mounts["/etc/rabbitmq/conf.d/30-cluster.conf"] == "./rabbitmq-cluster.conf"
        # The node's command installs the shared Erlang cookie from its secret, as the images' rabbitmq user.
        assert mounts[rabbitmq["command"][0]] == "./rabbitmq-node" and rabbitmq["user"] == "rabbitmq"
        assert rabbitmq["secrets"] == ["erlang_cookie"]
        conf_target = next(t for t, s in mounts.items() if s == "../broker/rabbitmq.conf")
        assert conf_target.startswith("/etc/rabbitmq/conf.d/") and conf_target < "/etc/rabbitmq/conf.d/30-cluster.conf"
    cluster = (DEPLOY / "rabbitmq-cluster.conf").read_text()
    assert re.search(r"^cluster_formation\.peer_discovery_backend = classic_config$", cluster, re.M)
    assert re.findall(r"^cluster_formation\.classic_config\.nodes\.\d = (\S+)$", cluster, re.M) == \
        [f"rabbit@{broker}" for broker in BROKERS]
    node = DEPLOY / "rabbitmq-node"
    assert os.access(node, os.X_OK) and subprocess.run(["sh", "-n", str(node)]).returncode == 0
    assert "/run/secrets/erlang_cookie" in node.read_text() and "rabbitmq-queues grow" in node.read_text()
    # The Fleetwatch services start once all three nodes are healthy.
    for name in ["ingest", "normalize", "persist", "alert", "gateway", "config-service"]:
        assert set(BROKERS) <= set(services[name]["depends_on"]), name
    conf = (ROOT / "broker/rabbitmq.conf").read_text()
    assert re.search(r"^load_definitions = /etc/rabbitmq/definitions.d$", conf, re.M)
    plugins = (ROOT / "broker/enabled_plugins").read_text()
    assert "rabbitmq_consistent_hash_exchange" in plugins and "rabbitmq_management" in plugins
    assert json.loads((ROOT / "broker/definitions.json").read_text())["exchanges"]
    # The whole topology, generated from the code's Topology (no drift): the alert partitions and the
    # consistent-hash exchange included, so the management UI shows them before any evaluator starts.
    require(Path(BIN).exists(), f"{BIN} is not built (swift build)")
    generated = subprocess.run([BIN, "broker-definitions"], capture_output=True, text=True, check=True).stdout
    assert generated == (ROOT / "broker/definitions.json").read_text(), \
        "broker/definitions.json differs from `fleetwatch broker-definitions`: regenerate it"
    definitions = json.loads(generated)
    queues = {q["name"] for q in definitions["queues"]}
    assert {"fleet.normalize", "fleet.persist", "fleet.notify"} | {f"fleet.alert.p{n}" for n in range(4)} <= queues
    assert {"name": "fleet.alert", "type": "x-consistent-hash"}.items() <= next(
        e for e in definitions["exchanges"] if e["name"] == "fleet.alert").items()

    postgres = services["postgres"]
    assert postgres["image"] == "${FLEETWATCH_POSTGRES_IMAGE:-postgres:15}"
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "postgres-data" in load_compose()["volumes"]
    assert environment(postgres)["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"


def test_compose_gateway_replicas_publish_a_port_range():
    services = load_compose()["services"]
    gateway = services["gateway"]
    (port,) = gateway["ports"]
    published, target = re.fullmatch(r"\$\{FLEETWATCH_GATEWAY_PUBLISH:-(\d+-\d+):(\d+)\}", port).groups()
    first, last = map(int, published.split("-"))
    assert target == "8080" and last - first + 1 >= gateway["deploy"]["replicas"]
    for name in REPLICATED[:-1]:
        assert not services[name].get("ports"), f"{name} has replicas and must not publish a fixed port"


# --- Dockerfile ------------------------------------------------------------------------------------------

def dockerfile_instructions(path=DOCKERFILE):
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages(instructions):
    """The global ARG defaults, and each stage's instructions from its FROM on."""
    froms = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    args = dict(a.split("=", 1) for w, a in instructions[:froms[0]] if w == "ARG" and "=" in a)
    return args, [instructions[start:end] for start, end in zip(froms, froms[1:] + [len(instructions)])]


RUNTIME_SCRIPT = IMAGES / "fleetwatch/prepare-runtime"


def test_dockerfile_is_multi_stage_non_root_with_a_health_check():
    args, (build_stage, *_, final) = stages(dockerfile_instructions())
    assert final[0][1] == "${BASE_IMAGE}" and args["BASE_IMAGE"] == "debian:bookworm-slim"
    assert re.fullmatch(r"swift:6\.\d+-bookworm", args["SWIFT_IMAGE"]) and build_stage[0][1].startswith("${SWIFT_IMAGE} AS ")
    users = [a for w, a in final if w == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), f"final USER is {users}"
    healthchecks = [a for w, a in final if w == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "fleetwatch-healthcheck" in healthchecks[0]
    assert [a for w, a in final if w == "ENTRYPOINT"] == ['["fleetwatch"]']
    build = " ".join(a for w, a in build_stage if w == "RUN")
    for product in ["fleetwatch", "fleetwatch-agent"]:
        assert f"swift build -c release --static-swift-stdlib --product {product} " in build + " "
    assert "librabbitmq-dev" in build and "libsqlite3-dev" in build
    # The runtime layer is deploy/images/fleetwatch/prepare-runtime, shared with the prebuilt-binary image.
    runtime = " ".join(a for w, a in final if w == "RUN")
    assert "prepare-runtime install" in runtime and "prepare-runtime check" in runtime
    packages = RUNTIME_SCRIPT.read_text()
    for package in ["librabbitmq4", "libsqlite3-0", "libjs-chart.js", "ca-certificates", "curl"]:
        assert package in packages
    copies = [a for w, a in final if w == "COPY"]
    assert any(a.startswith("web ") for a in copies) and any(a.startswith("deploy/healthcheck ") for a in copies)
    assert any(a.startswith("deploy/images/fleetwatch/prepare-runtime ") for a in copies)
    env = " ".join(a for w, a in final if w == "ENV")
    assert "FLEETWATCH_WEB_DIR=" in env and "FLEETWATCH_CHARTJS_DIR=/usr/share/javascript/chart.js" in env


def test_prebuilt_binary_image_ends_like_the_source_built_one():
    """deploy/images/fleetwatch/Dockerfile (scripts/containers/build-images) runs what deploy/Dockerfile runs."""
    source_args, source_stages = stages(dockerfile_instructions())
    args, (stage,) = stages(dockerfile_instructions(PREBUILT_DOCKERFILE))
    assert args["BASE_IMAGE"] == source_args["BASE_IMAGE"] and stage[0] == ("FROM", "${BASE_IMAGE}")
    tail = {"ENV", "USER", "WORKDIR", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "ENTRYPOINT", "CMD"}
    assert [i for i in stage if i[0] in tail] == [i for i in source_stages[-1] if i[0] in tail]
    runs = " ".join(a for w, a in stage if w == "RUN")
    assert "prepare-runtime install" in runs and "prepare-runtime check" in runs and "ldconfig" in runs
    copies = [a.split()[0] for w, a in stage if w == "COPY"]
    assert copies == ["prepare-runtime", "web", "healthcheck", "lib/", "bin/"], copies


def test_local_broker_images_keep_the_contract_compose_uses():
    compose = load_compose()["services"]
    for name, service in [("rabbitmq", "rabbitmq-1"), ("postgres", "postgres")]:
        args, (stage,) = stages(dockerfile_instructions(IMAGES / name / "Dockerfile"))
        assert args["BASE_IMAGE"] == "debian:bookworm-slim" and stage[0] == ("FROM", "${BASE_IMAGE}")
        users = [a for w, a in stage if w == "USER"]
        assert users == [name], f"{name} runs as {users}"
        # The compose health check's command is on the image's PATH.
        assert compose[service]["healthcheck"]["test"][1] in {"rabbitmq-diagnostics", "pg_isready"}
    rabbitmq = " ".join(a for w, a in stages(dockerfile_instructions(IMAGES / "rabbitmq/Dockerfile"))[1][0])
    assert "RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d" in rabbitmq and "rabbitmq-server" in rabbitmq
    targets = [v["target"] for v in compose["rabbitmq-1"]["volumes"] if isinstance(v, dict)]
    assert "/etc/rabbitmq/conf.d/20-fleetwatch.conf" in targets and "/etc/rabbitmq/enabled_plugins" in targets
    # Every POSTGRES_* variable compose sets is one the local entry point reads.
    entrypoint = (IMAGES / "postgres/docker-entrypoint").read_text()
    variables = [v for v in environment(compose["postgres"]) if v.startswith("POSTGRES_")]
    assert {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD_FILE"} <= set(variables)
    for variable in variables:
        assert "${" + variable in entrypoint, f"deploy/images/postgres/docker-entrypoint ignores {variable}"
    assert os.access(IMAGES / "postgres/docker-entrypoint", os.X_OK) and os.access(RUNTIME_SCRIPT, os.X_OK)


def test_container_scripts_parse_and_reject_bad_arguments():
    for script in ["setup-host", "build-images"]:
        path = CONTAINER_SCRIPTS / script
        assert os.access(path, os.X_OK), path
        assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0, script
        usage = subprocess.run([str(path), "--help"], capture_output=True, text=True, timeout=30)
        assert usage.returncode == 0 and "deploy/compose.yaml" in usage.stdout, usage.stderr
        wrong = subprocess.run([str(path), "--frobnicate"], capture_output=True, text=True, timeout=30)
        assert wrong.returncode == 2 and "unknown argument '--frobnicate'" in wrong.stderr, wrong.stderr
    engine = subprocess.run([str(CONTAINER_SCRIPTS / "build-images"), "--engine", "lxc"], capture_output=True,
                            text=True, timeout=30)
    assert engine.returncode == 2 and "--engine must be podman or docker" in engine.stderr, engine.stderr
    for script in [RUNTIME_SCRIPT, IMAGES / "postgres/docker-entrypoint"]:
        assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0, script


def test_dockerignore_keeps_build_output_state_and_secrets_out_of_the_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".build", ".data", ".git", "deploy/secrets", "deploy/.env"} <= ignored


# --- the health probe ------------------------------------------------------------------------------------

def probe(*args, env=None, cmdline=None, tmp_path=None):
    environment_ = compose_env(**(env or {}))
    if cmdline is not None:
        path = tmp_path / "cmdline"
        path.write_bytes(b"\0".join(arg.encode() for arg in cmdline) + b"\0")
        environment_["FLEETWATCH_HEALTHCHECK_CMDLINE"] = str(path)
    return subprocess.run(["sh", str(HEALTHCHECK), *args], env=environment_, capture_output=True, text=True, timeout=20)


def test_healthcheck_finds_the_port_from_the_subcommand_flags_and_variables(tmp_path):
    assert probe("--url", "normalize").stdout.strip() == "http://127.0.0.1:9071/healthz"
    assert probe("--url", "hub", "/readyz").stdout.strip() == "http://127.0.0.1:8080/readyz"
    assert probe("--url", "alert", env={"FLEETWATCH_HEALTH_ADDR": "0.0.0.0:9999"}).stdout.strip() == \
        "http://127.0.0.1:9999/healthz"
    # From PID 1's command line, behind docker-init, with the flag winning over the variable.
    found = probe("--url", cmdline=["/sbin/docker-init", "--", "fleetwatch", "gateway", "--http-addr", "0.0.0.0:8181"],
                  env={"FLEETWATCH_HTTP_ADDR": "0.0.0.0:8080"}, tmp_path=tmp_path)
    assert found.stdout.strip() == "http://127.0.0.1:8181/healthz", found.stderr
    found = probe("--url", cmdline=["fleetwatch", "persist", "--health-addr=10.0.0.5:9300"], tmp_path=tmp_path)
    assert found.stdout.strip() == "http://10.0.0.5:9300/healthz", found.stderr
    refused = probe("--url", cmdline=["fleetwatch", "rules", "list"], tmp_path=tmp_path)
    assert refused.returncode == 1 and "no long-running fleetwatch subcommand" in refused.stderr
    refused = probe("--url", "dlq")
    assert refused.returncode == 1 and "has no health endpoint" in refused.stderr
    refused = probe("--url", "persist", env={"FLEETWATCH_HEALTH_ADDR": "127.0.0.1:0"})
    assert refused.returncode == 1 and "port 0" in refused.stderr


def test_healthcheck_exit_code_follows_the_http_status():
    require(shutil.which("curl"), "curl is not installed")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status = 200 if self.path == "/healthz" else 503
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"not ready: amqp")

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"FLEETWATCH_HTTP_ADDR": f"0.0.0.0:{port}"}
        healthy = probe("gateway", "/healthz", env=env)
        assert healthy.returncode == 0 and healthy.stdout == "ok", healthy.stderr
        assert probe("gateway", "/readyz", env=env).returncode == 1
    finally:
        server.shutdown()
        server.server_close()
    assert probe("gateway", env={"FLEETWATCH_HTTP_ADDR": f"127.0.0.1:{port}"}).returncode == 1


# --- deploy/init-secrets ---------------------------------------------------------------------------------

def init_secrets(tmp_path, *args):
    return subprocess.run([str(INIT_SECRETS), "--secrets-dir", str(tmp_path / "secrets"), "--env-file",
                           str(tmp_path / ".env"), *args], capture_output=True, text=True, timeout=60)


def test_init_secrets_writes_secrets_the_rabbitmq_user_and_the_env_file(tmp_path):
    require(shutil.which("openssl"), "openssl is not installed")
    result = init_secrets(tmp_path)
    assert result.returncode == 0, result.stderr
    secrets = tmp_path / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    values = {}
    for name in ["collector_token", "admin_token", "db_password", "amqp_password", "erlang_cookie"]:
        path = secrets / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        values[name] = path.read_text().strip()
        assert re.fullmatch(r"[0-9a-f]{48}", values[name])
    assert len(set(values.values())) == 5
    env = dict(line.split("=", 1) for line in (tmp_path / ".env").read_text().splitlines() if not line.startswith("#"))
    assert env == {"COMPOSE_PROJECT_NAME": "fleetwatch", "FLEETWATCH_DB_PASSWORD": values["db_password"],
                   "FLEETWATCH_AMQP_PASSWORD": values["amqp_password"]}
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    users = json.loads((secrets / "rabbitmq_users.json").read_text())
    (user,) = users["users"]
    assert user["name"] == "fleetwatch" and user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    digest = base64.b64decode(user["password_hash"])
    assert hashlib.sha256(digest[:4] + values["amqp_password"].encode()).digest() == digest[4:]
    assert users["permissions"] == [{"user": "fleetwatch", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}]

    # Again: the secrets stay, the derived files follow them.
    (tmp_path / ".env").write_text((tmp_path / ".env").read_text() + "FLEETWATCH_IMAGE=mine:1\n")
    assert init_secrets(tmp_path, "--from-examples").returncode == 0
    assert all((secrets / name).read_text().strip() == value for name, value in values.items())
    assert "FLEETWATCH_IMAGE=mine:1" in (tmp_path / ".env").read_text()


def test_init_secrets_from_examples_and_its_errors(tmp_path):
    require(shutil.which("openssl"), "openssl is not installed")
    assert init_secrets(tmp_path, "--from-examples").returncode == 0
    for example in SECRETS.glob("*.example"):
        assert (tmp_path / "secrets" / example.stem).read_text() == example.read_text()
    (tmp_path / "other").mkdir()
    (tmp_path / "other/db_password").write_text("not url safe@\n")
    result = subprocess.run([str(INIT_SECRETS), "--secrets-dir", str(tmp_path / "other"), "--env-file",
                             str(tmp_path / "other.env")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "db_password must be one line of" in result.stderr
    result = subprocess.run([str(INIT_SECRETS), "--nonsense"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown argument" in result.stderr


def test_secret_examples_are_single_lines_usable_in_urls():
    examples = sorted(SECRETS.glob("*.example"))
    assert {p.stem for p in examples} == {"collector_token", "admin_token", "db_password", "amqp_password", "erlang_cookie"}
    for path in examples:
        assert re.fullmatch(r"[A-Za-z0-9._~-]+\n", path.read_text()), path
    ignore = (SECRETS / ".gitignore").read_text().split()
    assert "*" in ignore and "!*.example" in ignore


# --- the agent: install.sh and the unit ------------------------------------------------------------------

@pytest.fixture
def fake_agent(tmp_path):
    path = tmp_path / "fleetwatch-agent"
    path.write_text("#!/bin/sh\necho fake agent\n")
    path.chmod(0o755)
    return path


def install(*args):
    return subprocess.run(["sh", str(INSTALL), *args], capture_output=True, text=True, timeout=60)


def test_install_sh_stages_the_agent_under_a_prefix(tmp_path, fake_agent):
    prefix = tmp_path / "root"
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\nsecond line is ignored\n")
    result = install("--edge", "http://edge.example.net:7070/", "--token-file", str(token_file),
                     "--binary", str(fake_agent), "--prefix", str(prefix), "--no-start")
    assert result.returncode == 0, result.stderr
    binary = prefix / "usr/local/bin/fleetwatch-agent"
    env_file = prefix / "etc/fleetwatch/agent.env"
    token = prefix / "etc/fleetwatch/agent.token"
    unit = prefix / "etc/systemd/system/fleetwatch-agent.service"
    assert binary.read_bytes() == fake_agent.read_bytes() and stat.S_IMODE(binary.stat().st_mode) == 0o755
    assert token.read_text() == "s3cret-token\n" and stat.S_IMODE(token.stat().st_mode) == 0o600
    assert unit.read_text() == UNIT.read_text()
    settings = [line for line in env_file.read_text().splitlines() if line and not line.startswith("#")]
    assert settings == ["FLEETWATCH_INGEST_URL=http://edge.example.net:7070"]
    assert "systemctl was not run" in result.stdout and "systemctl daemon-reload" in result.stdout
    # The paths the unit reads are the ones install.sh wrote.
    unit_settings_ = unit_settings()
    assert unit_settings_["ExecStart"] == ["/" + str(binary.relative_to(prefix))]
    assert unit_settings_["EnvironmentFile"] == ["/" + str(env_file.relative_to(prefix))]
    assert unit_settings_["LoadCredential"] == ["token:/" + str(token.relative_to(prefix))]
    assert "s3cret-token" not in result.stdout + result.stderr

    # Again, with another edge and the token inline: the URL is replaced, the admin's own lines stay.
    env_file.write_text(env_file.read_text() + "FLEETWATCH_LABELS=env=prod,rack=r1\n")
    result = install("--edge", "https://edge2:443", "--token", "t2", "--binary", str(fake_agent), "--prefix", str(prefix),
                     "--no-start")
    assert result.returncode == 0, result.stderr
    settings = [line for line in env_file.read_text().splitlines() if line and not line.startswith("#")]
    assert settings == ["FLEETWATCH_LABELS=env=prod,rack=r1", "FLEETWATCH_INGEST_URL=https://edge2:443"]
    assert token.read_text() == "t2\n" and stat.S_IMODE(token.stat().st_mode) == 0o600


FAKE_CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


def env_settings(path):
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_install_sh_with_a_join_token_and_a_ca_keeps_them_in_the_env_file_for_root_only(tmp_path, fake_agent):
    prefix = tmp_path / "root"
    join_file, ca = tmp_path / "join", tmp_path / "ca.pem"
    join_file.write_text("join-s3cret\n")
    ca.write_text(FAKE_CA)
    result = install("--edge", "https://edge.example.net:7070", "--join-token-file", str(join_file), "--tls-ca", str(ca),
                     "--binary", str(fake_agent), "--prefix", str(prefix), "--no-start")
    assert result.returncode == 0, result.stderr
    env_file = prefix / "etc/fleetwatch/agent.env"
    installed_ca = prefix / "etc/fleetwatch/edge-ca.pem"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    # No collector token: none is written, and the agent is told not to read the unit's placeholder.
    assert env_settings(env_file) == ["FLEETWATCH_INGEST_URL=https://edge.example.net:7070",
                                      "FLEETWATCH_JOIN_TOKEN=join-s3cret",
                                      "FLEETWATCH_TLS_CA=/etc/fleetwatch/edge-ca.pem", "FLEETWATCH_TOKEN_FILE="]
    assert not (prefix / "etc/fleetwatch/agent.token").exists()
    assert installed_ca.read_text() == FAKE_CA and stat.S_IMODE(installed_ca.stat().st_mode) == 0o644
    assert "join-s3cret" not in result.stdout + result.stderr
    # The unit starts without agent.token: SetCredential= is LoadCredential='s default.
    assert unit_settings()["SetCredential"] == ["token:none"]

    # Again with a collector token and no join token: the token is written and read; the join token stays.
    result = install("--edge", "https://edge.example.net:7070", "--token", "t3", "--binary", str(fake_agent),
                     "--prefix", str(prefix), "--no-start")
    assert result.returncode == 0, result.stderr
    assert env_settings(env_file) == ["FLEETWATCH_JOIN_TOKEN=join-s3cret", "FLEETWATCH_TLS_CA=/etc/fleetwatch/edge-ca.pem",
                                      "FLEETWATCH_INGEST_URL=https://edge.example.net:7070"]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert (prefix / "etc/fleetwatch/agent.token").read_text() == "t3\n"

    # A new join token replaces the old one; inline works too.
    result = install("--edge", "https://edge.example.net:7070", "--join-token", "join-2", "--binary", str(fake_agent),
                     "--prefix", str(prefix), "--no-start")
    assert result.returncode == 0, result.stderr
    assert [line for line in env_settings(env_file) if "JOIN" in line] == ["FLEETWATCH_JOIN_TOKEN=join-2"]


@pytest.mark.parametrize("args, message", [
    (["--edge", "http://edge:7070", "--join-token", "j", "--tls-ca", "/etc/hostname"], "--tls-ca is for an https:// edge"),
    (["--edge", "https://edge:7070", "--join-token", "j", "--tls-ca", "/nonexistent/ca.pem"], "is not a readable file"),
    (["--edge", "https://edge:7070", "--join-token", "j", "--tls-ca", "/etc/hostname"], "holds no PEM certificate"),
    (["--edge", "http://edge:7070", "--join-token", "a b"], "the join-token must not contain spaces"),
    (["--edge", "http://edge:7070", "--join-token", "j", "--join-token-file", "/etc/hostname"], "not both"),
    (["--edge", "http://edge:7070", "--join-token-file", "/nonexistent/join"], "--join-token-file '/nonexistent/join'"),
    (["--edge", "http://edge:7070", "--join-token"], "--join-token needs a value"),
])
def test_install_sh_rejects_bad_join_token_and_ca_arguments(tmp_path, fake_agent, args, message):
    result = install(*args, "--binary", str(fake_agent), "--prefix", str(tmp_path / "root"), "--no-start")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "root/etc/fleetwatch/agent.env").exists()


@pytest.mark.parametrize("args, message", [
    ([], "--edge is required"),
    (["--edge", "edge:7070", "--token", "t"], "must start with http:// or https://"),
    (["--edge", "http://edge", "--token", "t"], "needs host and port"),
    (["--edge", "http://edge:70000", "--token", "t"], "port must be 1-65535"),
    (["--edge", "http://edge:7070/api", "--token", "t"], "nothing after the port"),
    (["--edge", "http://edge:7070"], "a collector token is required"),
    (["--edge", "http://edge:7070", "--token", "t", "--token-file", "/etc/hostname"], "not both"),
    (["--edge", "http://edge:7070", "--token-file", "/nonexistent/token"], "is not a readable file"),
    (["--edge", "http://edge:7070", "--token", "a b"], "must not contain spaces"),
    (["--edge", "http://edge:7070", "--token", "t", "--binary", "/nonexistent/agent"], "does not exist"),
    (["--edge", "--token", "t"], "--edge needs a value"),
    (["--frobnicate"], "unknown argument '--frobnicate'"),
])
def test_install_sh_rejects_bad_arguments_with_a_clear_message(tmp_path, fake_agent, args, message):
    if "--binary" not in args:
        args = [*args, "--binary", str(fake_agent)]
    result = install(*args, "--prefix", str(tmp_path / "root"), "--no-start")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "root/etc/fleetwatch/agent.token").exists()


def test_install_sh_rejects_an_empty_token_file(tmp_path, fake_agent):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = install("--edge", "http://e:7070", "--token-file", str(empty), "--binary", str(fake_agent),
                     "--prefix", str(tmp_path / "root"))
    assert result.returncode == 2 and "is empty" in result.stderr


def unit_settings():
    settings = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_unit_runs_the_agent_unprivileged_with_its_token_as_a_credential():
    unit = unit_settings()
    assert unit["ExecStart"] == ["/usr/local/bin/fleetwatch-agent"]
    assert unit["DynamicUser"] == ["yes"]
    assert unit["EnvironmentFile"] == ["/etc/fleetwatch/agent.env"]
    assert unit["LoadCredential"] == ["token:/etc/fleetwatch/agent.token"]
    assert "FLEETWATCH_TOKEN_FILE=%d/token" in unit["Environment"]
    assert "FLEETWATCH_DATA_DIR=%S/fleetwatch-agent" in unit["Environment"]
    assert unit["StateDirectory"] == ["fleetwatch-agent"]
    assert unit["Restart"] == ["always"]
    for key, value in [("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
                       ("CapabilityBoundingSet", "")]:
        assert unit[key] == [value], key
    # Every FLEETWATCH_* variable the unit and the env file template mention is one the agent reads.
    collector = (ROOT / "Sources/FleetCollector/Agent/CollectorOptions.swift").read_text() + \
        (ROOT / "Sources/FleetSettings/Defaults.swift").read_text() + (ROOT / "Sources/fleetwatch-agent/Agent.swift").read_text()
    for variable in set(re.findall(r"FLEETWATCH_[A-Z_]+", UNIT.read_text() + INSTALL.read_text())):
        assert variable in collector, f"{variable} is not an agent setting"


def test_unit_passes_systemd_analyze_verify(tmp_path, fake_agent):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "fleetwatch-agent.service"
    unit.write_text(UNIT.read_text().replace("ExecStart=/usr/local/bin/fleetwatch-agent", f"ExecStart={fake_agent}"))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if "fleetwatch-agent" in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr
