"""TLS on the hops (docs/operations.md "TLS"): the edge and the config service with server TLS and optional client
certificates, the collector and the CLI trusting a CA file, the gateway and the hub over HTTPS, and the start-up
checks that name the setting. Every certificate comes from a CA made here with the openssl CLI."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, ROOT, Process, free_port, harness, require, wait_for

OPENSSL = shutil.which("openssl")


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=30)


class Authority:
    """A CA with the certificates it signs, as PEM files in `directory`."""

    def __init__(self, directory, name):
        self.dir = Path(directory)
        self.name = name
        self.dir.mkdir(parents=True, exist_ok=True)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                cwd=self.dir)
        self.ca = str(self.dir / f"{name}.pem")

    def issue(self, leaf, usage):
        """A certificate for 127.0.0.1 and localhost with `usage` (serverAuth or clientAuth): (cert, key) paths."""
        extensions = self.dir / f"{leaf}.ext"
        extensions.write_text("basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
                              f"extendedKeyUsage={usage}\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", f"{leaf}.key", "-out", f"{leaf}.csr", "-subj", f"/CN={leaf}", cwd=self.dir)
        openssl("x509", "-req", "-in", f"{leaf}.csr", "-CA", f"{self.name}.pem", "-CAkey", f"{self.name}.key",
                "-CAcreateserial", "-out", f"{leaf}.pem", "-days", "2", "-extfile", extensions.name, cwd=self.dir)
        return str(self.dir / f"{leaf}.pem"), str(self.dir / f"{leaf}.key")


@pytest.fixture
def pki(tmp_path):
    require(OPENSSL, "the openssl CLI is not installed")
    ca = Authority(tmp_path / "pki", "fleet-ca")
    server = ca.issue("server", "serverAuth")
    client = ca.issue("client", "clientAuth")
    other = Authority(tmp_path / "pki", "other-ca")
    return {"ca": ca.ca, "server": server, "client": client, "other_ca": other.ca}


def server_tls(pki, client_ca=None):
    cert, key = pki["server"]
    env = {"FLEETWATCH_TLS_CERT": cert, "FLEETWATCH_TLS_KEY": key}
    if client_ca:
        env["FLEETWATCH_TLS_CLIENT_CA"] = client_ca
    return env


def tls_edge(stack, pki, client_ca=None):
    """`fleetwatch ingest` with server TLS; collectors started afterwards use its https URL."""
    process = Process("ingest", ["ingest"], dict(stack.env, **server_tls(pki, client_ca)), stack.dir).start()
    stack.processes.append(process)
    stack.env["FLEETWATCH_INGEST_URL"] = f"https://127.0.0.1:{stack.ingest_port}"
    return process.wait_ready()


def collector(stack, name, **env):
    data = stack.dir / f"collector-{name}"
    process = Process(f"collect-{name}", ["collect", "--machine-id", name, "--interval", "1", "--data-dir", str(data)],
                      dict(stack.env, **env), stack.dir).start()
    stack.processes.append(process)
    return process.wait_ready()


def acked(process):
    return process.metric("fleetwatch_collector_batches_acked") or 0


def upload_errors(process):
    return [line for line in process.log_lines() if line.get("endpoint") and line.get("error")]


def test_collector_publishes_to_a_tls_edge_trusting_the_ca(stack, pki):
    edge = tls_edge(stack, pki)
    trusting = collector(stack, "tls-trusting", FLEETWATCH_TLS_CA=pki["ca"])
    wait_for(lambda: acked(trusting) >= 2, 30, "two batches acked over TLS")
    # The join command the edge prints points agents at the https URL.
    assert f"FLEETWATCH_INGEST_URL=https://127.0.0.1:{stack.ingest_port}" in edge.log_path.read_text()


def test_clients_that_do_not_speak_or_trust_the_edge_tls_are_refused_clearly(stack, pki):
    tls_edge(stack, pki)
    plaintext = collector(stack, "tls-plaintext", FLEETWATCH_INGEST_URL=f"http://127.0.0.1:{stack.ingest_port}")
    untrusting = collector(stack, "tls-wrong-ca", FLEETWATCH_TLS_CA=pki["other_ca"])
    wait_for(lambda: upload_errors(plaintext) and upload_errors(untrusting), 30, "both collectors to log the failure")
    assert acked(plaintext) == 0 and acked(untrusting) == 0
    plain_error = upload_errors(plaintext)[0]["error"]
    assert "does the server use TLS? then give FLEETWATCH_INGEST_URL as https://" in plain_error, plain_error
    untrusted_error = upload_errors(untrusting)[0]["error"]
    assert "does not chain to FLEETWATCH_TLS_CA" in untrusted_error, untrusted_error


def test_an_edge_requiring_client_certificates_refuses_a_collector_without_one(stack, pki):
    tls_edge(stack, pki, client_ca=pki["ca"])
    cert, key = pki["client"]
    with_cert = collector(stack, "tls-client-cert", FLEETWATCH_TLS_CA=pki["ca"], FLEETWATCH_TLS_CLIENT_CERT=cert,
                          FLEETWATCH_TLS_CLIENT_KEY=key)
    without = collector(stack, "tls-no-client-cert", FLEETWATCH_TLS_CA=pki["ca"])
    wait_for(lambda: acked(with_cert) >= 2, 30, "two batches acked with a client certificate")
    wait_for(lambda: upload_errors(without), 30, "the collector without a certificate to log the refusal")
    assert acked(without) == 0


def test_cli_calls_a_tls_config_service_with_the_ca(stack, pki):
    port = free_port()
    env = dict(stack.env, FLEETWATCH_CONFIG_LISTEN=f"127.0.0.1:{port}", **server_tls(pki))
    service = Process("config-service", ["config-service"], env, stack.dir).start()
    stack.processes.append(service)
    service.wait_ready()
    stack.env["FLEETWATCH_CONFIG_URL"] = f"http://127.0.0.1:{port}"
    plaintext = stack.cli("machines", check=False)
    assert plaintext.returncode == 69, plaintext.stderr
    assert "then give FLEETWATCH_CONFIG_URL as https://" in plaintext.stderr, plaintext.stderr
    stack.env["FLEETWATCH_CONFIG_URL"] = f"https://127.0.0.1:{port}"
    untrusted = stack.cli("machines", "--output", "json", check=False)
    assert untrusted.returncode == 69, untrusted.stderr  # the system roots do not know the test CA
    assert "does not chain to FLEETWATCH_TLS_CA" in untrusted.stderr, untrusted.stderr
    stack.env["FLEETWATCH_TLS_CA"] = pki["ca"]
    result = stack.cli("machines", "--output", "json")
    assert isinstance(json.loads(result.stdout), (list, dict))


def https_get(url, ca):
    context = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(url, timeout=5, context=context) as response:
        return response.status, json.loads(response.read())


def https_ready(url, ca):
    try:
        with urllib.request.urlopen(url, timeout=5, context=ssl.create_default_context(cafile=ca)) as response:
            return response.status == 200
    except OSError:
        return False


def test_gateway_serves_https_with_the_ca(stack, pki):
    port = free_port()
    env = dict(stack.env, FLEETWATCH_HTTP_ADDR=f"127.0.0.1:{port}", FLEETWATCH_WEB_DIR=str(ROOT / "web"),
               **server_tls(pki))
    gateway = Process("gateway", ["gateway"], env, stack.dir).start()
    stack.processes.append(gateway)
    base = f"https://127.0.0.1:{port}"
    wait_for(lambda: gateway.alive() and https_ready(base + "/readyz", pki["ca"]), 60, "the gateway ready over HTTPS")
    status, body = https_get(base + "/api/v1/machines", pki["ca"])
    assert status == 200 and "machines" in body
    with pytest.raises(OSError):  # urllib's SSL errors are OSErrors: the test CA alone is trusted
        https_get(base + "/api/v1/machines", pki["other_ca"])


def test_hub_serves_https_and_its_own_collector_trusts_the_ca(tmp_path, pki):
    require(Path(BIN).exists(), f"{BIN} is not built")
    http_port, ingest_port, config_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETWATCH_")}
    env.update(server_tls(pki), FLEETWATCH_TLS_CA=pki["ca"], FLEETWATCH_WEB_DIR=str(ROOT / "web"),
               FLEETWATCH_INTERVAL="1")
    log = open(tmp_path / "hub.log", "wb")
    hub = subprocess.Popen(
        [BIN, "hub", "--data-dir", str(tmp_path / "data"), "--http-addr", f"127.0.0.1:{http_port}",
         "--ingest-listen", f"127.0.0.1:{ingest_port}", "--config-listen", f"127.0.0.1:{config_port}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"https://127.0.0.1:{http_port}"

        def machines():
            if hub.poll() is not None:
                raise AssertionError((tmp_path / "hub.log").read_text())
            try:
                return https_get(base + "/api/v1/machines", pki["ca"])[1]["machines"]
            except OSError:
                return []

        # The hub's collector reached its TLS edge, and the gateway its TLS fleet queries.
        wait_for(machines, 60, "the hub's own machine listed over HTTPS")
        env["FLEETWATCH_CONFIG_URL"] = f"https://127.0.0.1:{config_port}"
        result = subprocess.run([BIN, "machines", "--output", "json"], env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
    finally:
        hub.terminate()
        hub.wait(30)
        log.close()


def loadgen(env, *extra):
    return subprocess.run([BIN, "loadgen", "--machines", "2", "--interval", "0.5", "--duration", "3", "--output", "json",
                           *extra], env=env, capture_output=True, text=True, timeout=120)


def test_loadgen_publishes_to_a_tls_edge_with_the_ca_and_a_client_certificate(stack, pki):
    tls_edge(stack, pki, client_ca=pki["ca"])
    cert, key = pki["client"]
    result = loadgen(dict(stack.env, FLEETWATCH_TLS_CA=pki["ca"]), "--tls-client-cert", cert, "--tls-client-key", key)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["batches_acked"] == report["batches_sent"] >= 2, report
    assert f"against https://127.0.0.1:{stack.ingest_port}" in result.stderr


def test_loadgen_refuses_clearly_without_the_ca_or_over_plaintext(stack, pki):
    tls_edge(stack, pki)
    untrusted = loadgen(stack.env)  # the system roots do not know the test CA
    assert untrusted.returncode == 69, (untrusted.returncode, untrusted.stderr)
    assert "does not chain to FLEETWATCH_TLS_CA" in untrusted.stderr, untrusted.stderr
    plaintext = loadgen(dict(stack.env, FLEETWATCH_INGEST_URL=f"127.0.0.1:{stack.ingest_port}",
                             FLEETWATCH_TLS_CA=pki["ca"]))
    assert plaintext.returncode == 69, (plaintext.returncode, plaintext.stderr)
    assert "then give FLEETWATCH_INGEST_URL as https://" in plaintext.stderr, plaintext.stderr


@pytest.fixture
def tls_hub(tmp_path, pki):
    """`fleetwatch hub --no-collect` serving TLS on its edge and gateway: (env for its clients without a CA,
    ingest URL, gateway URL by name)."""
    require(Path(BIN).exists(), f"{BIN} is not built")
    http_port, ingest_port, config_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETWATCH_")}
    log = open(tmp_path / "tls-hub.log", "wb")
    hub = subprocess.Popen(
        [BIN, "hub", "--no-collect", "--data-dir", str(tmp_path / "data"), "--http-addr", f"127.0.0.1:{http_port}",
         "--ingest-listen", f"127.0.0.1:{ingest_port}", "--config-listen", f"127.0.0.1:{config_port}"],
        env=dict(env, FLEETWATCH_WEB_DIR=str(ROOT / "web"), **server_tls(pki)), stdout=log, stderr=subprocess.STDOUT)
    try:
        gateway = f"https://localhost:{http_port}"
        wait_for(lambda: hub.poll() is None and https_ready(gateway + "/readyz", pki["ca"]), 60,
                 f"the TLS hub ready (log: {tmp_path / 'tls-hub.log'})")
        env["FLEETWATCH_TOKEN"] = (tmp_path / "data/token").read_text().strip()
        yield env, f"https://127.0.0.1:{ingest_port}", gateway
    finally:
        hub.terminate()
        hub.wait(30)
        log.close()


def probe(env, ingest, gateway):
    return subprocess.run(
        [BIN, "probe", "--report", "--count", "3", "--interval", "0.2", "--output", "json", "--without-alerts",
         "--ingest-url", ingest, "--gateway-url", gateway, "--name", "tls"],
        env=env, capture_output=True, text=True, timeout=120)


def test_probe_follows_a_tls_edge_and_gateway_with_the_ca(tls_hub, pki):
    env, ingest, gateway = tls_hub
    result = probe(dict(env, FLEETWATCH_TLS_CA=pki["ca"]), ingest, gateway)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["sent"] == report["completed"] == 3, report


def test_probe_refuses_clearly_without_the_ca_and_an_https_gateway_by_ip(tls_hub, pki):
    env, ingest, gateway = tls_hub
    untrusted = probe(env, ingest, gateway)
    assert untrusted.returncode != 0
    assert "does not chain to FLEETWATCH_TLS_CA" in untrusted.stderr, untrusted.stderr
    by_ip = probe(dict(env, FLEETWATCH_TLS_CA=pki["ca"]), ingest, gateway.replace("localhost", "127.0.0.1"))
    assert by_ip.returncode != 0
    assert "FLEETWATCH_GATEWAY_URL: expected an https URL with a host name" in by_ip.stderr, by_ip.stderr


@pytest.mark.parametrize("case", ["missing", "mismatch", "not-pem", "half"])
def test_a_bad_tls_setting_stops_the_edge_at_start_naming_it(stack, pki, tmp_path, case):
    cert, key = pki["server"]
    _, client_key = pki["client"]
    settings = {
        "missing": ({"FLEETWATCH_TLS_CERT": str(tmp_path / "nope.pem"), "FLEETWATCH_TLS_KEY": key},
                    "FLEETWATCH_TLS_CERT"),
        "mismatch": ({"FLEETWATCH_TLS_CERT": cert, "FLEETWATCH_TLS_KEY": client_key}, "FLEETWATCH_TLS_KEY"),
        "not-pem": ({"FLEETWATCH_TLS_CERT": cert, "FLEETWATCH_TLS_KEY": key,
                     "FLEETWATCH_TLS_CLIENT_CA": str(Path(key).with_suffix(".ext"))}, "FLEETWATCH_TLS_CLIENT_CA"),
        "half": ({"FLEETWATCH_TLS_CERT": cert}, "FLEETWATCH_TLS_KEY"),
    }
    extra, setting = settings[case]
    result = subprocess.run([BIN, "ingest"], env=dict(stack.env, **extra), capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0
    assert setting in result.stderr, result.stderr


@pytest.fixture
def tls_postgres(pki):
    """A private PostgreSQL (scripts/services/postgres, never the shared one) with ssl=on and a certificate from
    the test CA for 127.0.0.1."""
    require(Path("/usr/lib/postgresql/15/bin/postgres").exists(), "PostgreSQL 15 is not installed")
    from private_services import Postgres
    work = Path(tempfile.mkdtemp(prefix="fleetwatch-tls-pg-"))
    work.chmod(0o755)  # the postgres user must reach the cluster's folder
    postgres = Postgres(work)
    postgres.start()
    try:
        data = postgres.dir / "data"
        cert, key = pki["server"]
        shutil.copy(cert, data / "server.crt")
        shutil.copy(key, data / "server.key")
        (data / "server.key").chmod(0o600)
        if os.getuid() == 0:
            for name in ("server.crt", "server.key"):
                shutil.chown(data / name, "postgres", "postgres")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        postgres.stop()
        postgres.start()
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


def test_postgres_verify_full_with_the_ca_and_a_wrong_ca_refused_naming_the_setting(stack, pki, tls_postgres):
    def persist(name, ca):
        url = f"{tls_postgres.url}?sslmode=verify-full&sslrootcert={ca}"
        process = Process(name, ["persist"], dict(stack.env, FLEETWATCH_DATABASE_URL=url), stack.dir).start()
        stack.processes.append(process)
        return process

    verified = persist("persist-verified", pki["ca"]).wait_ready(60)
    encrypted = harness.psql_scalar(tls_postgres.url, "select count(*) from pg_stat_ssl s join pg_stat_activity a "
                                               "using (pid) where s.ssl and a.application_name = 'fleetwatch'")
    assert int(encrypted) >= 1
    assert verified.stop() == 0

    refused = persist("persist-wrong-ca", pki["other_ca"])
    assert refused.proc.wait(60) != 0
    assert ("FLEETWATCH_DATABASE_URL: PostgreSQL's certificate does not chain to sslrootcert="
            f"{pki['other_ca']}") in refused.log_path.read_text(), refused.tail()


def test_amqps_to_a_tls_broker_with_the_ca_and_a_wrong_ca_named(stack):
    """A private RabbitMQ (scripts/services/rabbitmq, never the shared node) with a TLS listener: the edge declares
    its topology over amqps:// with the CA, and with another CA stays unready saying which setting is wrong."""
    require(OPENSSL, "the openssl CLI is not installed")
    require(shutil.which("rabbitmq-server") or Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists()
            or Path("/usr/sbin/rabbitmq-server").exists(), "RabbitMQ is not installed")
    from private_services import RabbitMQ, pick_ports
    work = Path(tempfile.mkdtemp(prefix="fleetwatch-tls-amqp-"))
    work.chmod(0o755)  # the rabbitmq user reads the certificates
    ca = Authority(work / "pki", "broker-ca")
    cert, key = ca.issue("broker", "serverAuth")
    other = Authority(work / "pki", "other-ca")
    (work / "pki").chmod(0o755)
    for path in (work / "pki").iterdir():
        path.chmod(0o644)
    broker = RabbitMQ(work)
    (tls_port,) = pick_ports(1, [0])
    broker.env["RABBITMQ_EXTRA_CONF"] = "\n".join([
        f"listeners.ssl.default = {tls_port}", f"ssl_options.cacertfile = {ca.ca}", f"ssl_options.certfile = {cert}",
        f"ssl_options.keyfile = {key}", "ssl_options.verify = verify_none", "ssl_options.fail_if_no_peer_cert = false"])
    broker.start()
    try:
        def edge(name, ca_file):
            url = f"amqps://guest:guest@localhost:{tls_port}/%2f?cacertfile={ca_file}"
            process = Process(name, ["ingest"], dict(stack.env, FLEETWATCH_AMQP_URL=url,
                                                     FLEETWATCH_INGEST_LISTEN=f"127.0.0.1:{free_port()}"), stack.dir)
            stack.processes.append(process.start())
            return process

        trusted = edge("ingest-amqps", ca.ca).wait_ready(60)
        assert trusted.stop() == 0
        assert "fleet.normalize" in broker.exact_queues()

        untrusted = edge("ingest-amqps-wrong-ca", other.ca)
        wait_for(lambda: f"cacertfile={other.ca} of FLEETWATCH_AMQP_URL" in untrusted.log_path.read_text(), 30,
                 f"the edge to name the CA setting (log: {untrusted.log_path})")
        assert not untrusted.ready()
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
