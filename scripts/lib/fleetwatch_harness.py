"""The one process harness of everything that runs real fleetwatch processes (scripts/chaos, scripts/bench-live and
the system tests' tests/system/conftest.py): waiting on a condition, free loopback ports, a fleetwatch subcommand
with its log and health port, the RabbitMQ management API, psql, and the resource use of a process as /proc
reports it.

Import it with `sys.path.insert(0, str(ROOT / "scripts/lib"))`. Standard library only.
"""
import base64
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


class Failure(AssertionError):
    """A step that did not happen: the message says what was awaited and where to look. An AssertionError, so
    pytest reports it as a failed expectation and a test may tolerate one with `except AssertionError`."""


def wait_for(predicate, timeout, what, interval=0.2):
    """Polls `predicate` until it returns a truthy value (returned); raises Failure naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise Failure(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def safe(predicate):
    """A predicate that is False (not an error) while a service is down."""
    def wrapped():
        try:
            return predicate()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, ValueError):
            return False
    return wrapped


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    """True when something accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_free(port):
    """True when nothing listens on 127.0.0.1:port and it can be bound."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def http_status(url, timeout=2):
    """The HTTP status of a GET (0 when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except Exception:
        return 0


class ProcessStats:
    """Resident memory, open descriptors and threads of a process, from /proc (None when it is gone)."""

    def __init__(self, pid):
        self.pid = pid

    def rss_mib(self, field="VmRSS"):
        """Resident memory in MiB; `field` RssAnon is what the process allocated, RssFile the pages of its binary and
        libraries it has touched (bounded by their size, shared with other processes of the same binary)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def threads(self):
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    def fds(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return None

    def cpu_seconds(self):
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def snapshot(self):
        return {"rss_mib": self.rss_mib(), "anon_mib": self.rss_mib("RssAnon"), "fds": self.fds(),
                "threads": self.threads()}


class Process:
    """One fleetwatch subcommand: its log file (appended across restarts) and its health port, which stays the
    same across restarts so a supervisor-style restart is the same service again."""

    def __init__(self, name, binary, args, env, work, port=None, http=False):
        self.name = name
        self.binary = str(binary)
        self.args = list(args)
        self.port = port or free_port()
        self.log_path = Path(work) / f"{name}.log"
        extra = {"FLEETWATCH_HEALTH_ADDR": f"127.0.0.1:{self.port}"}
        if http:  # the gateway serves health on its HTTP listener
            extra["FLEETWATCH_HTTP_ADDR"] = f"127.0.0.1:{self.port}"
        self.env = dict(env, **extra)
        self.proc = None
        self.restarts = 0

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, *self.args], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ready(self):
        """/readyz answers 200. A process that exited is a Failure (nobody restarts it behind our back)."""
        if not self.alive():
            raise Failure(f"{self.name} exited with {self.proc.returncode if self.proc else '?'}:\n{self.tail()}")
        return http_status(self.url("/readyz"), timeout=1) == 200

    def wait_ready(self, timeout=60):
        wait_for(self.ready, timeout, f"{self.name} /readyz (log: {self.log_path})")
        return self

    def metrics(self):
        with urllib.request.urlopen(self.url("/metrics"), timeout=3) as response:
            return response.read().decode()

    def metric(self, name):
        """The value of an unlabelled counter or gauge on /metrics (None when absent)."""
        for line in self.metrics().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{}"):
                return float(line.rsplit(" ", 1)[1])
        return None

    def stats(self):
        return ProcessStats(self.proc.pid)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=20, must_stop=False):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code. With `must_stop`, needing the SIGKILL is a
        Failure: the process was expected to shut down by itself."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                if must_stop:
                    raise Failure(f"{self.name} did not stop within {timeout}s of SIGTERM:\n{self.tail()}")
        return self.proc.returncode if self.proc else None

    def tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_lines(self):
        out = []
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return out
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


class Management:
    """The RabbitMQ management API (JSON over HTTP, basic auth)."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api"
        self.user = urllib.parse.unquote(parts.username or "guest")
        credentials = f"{self.user}:{urllib.parse.unquote(parts.password or 'guest')}"
        self.auth = "Basic " + base64.b64encode(credentials.encode()).decode()

    def call(self, method, path, body=None, missing_ok=False):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", self.auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            if missing_ok and error.code == 404:
                return None
            raise

    def queues(self, vhost="/"):
        """{name: messages} of every queue in `vhost` (ready + unacked)."""
        listing = self.call("GET", f"/queues/{urllib.parse.quote(vhost, safe='')}?columns=name,messages") or []
        return {q["name"]: int(q.get("messages") or 0) for q in listing}


def psql(url, query, schema=None, timeout=120):
    """Runs `query` and returns rows as lists of strings (tab-separated output of psql -At)."""
    env = dict(os.environ)
    if schema:
        env["PGOPTIONS"] = f"-c search_path={schema}"
    out = subprocess.run(["psql", url, "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                         check=True, capture_output=True, text=True, env=env, timeout=timeout).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def psql_scalar(url, query, schema=None):
    rows = psql(url, query, schema)
    return int(float(rows[0][0])) if rows and rows[0] and rows[0][0] != "" else 0
