"""The chaos suite's own RabbitMQ node and PostgreSQL cluster (scripts/services/*) on free ports below 32768,
never the shared 5672/15672/5432: the suite kills them. Each knows how to start, be killed and stop."""
import os
import random
import signal
import subprocess
from pathlib import Path

from fleetwatch_harness import Failure, Management, port_free, safe, wait_for

ROOT = Path(__file__).resolve().parents[2]
SHARED_PORTS = {5672, 15672, 5432}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
_taken = set(SHARED_PORTS)


def pick_ports(count, spacing):
    """A base port below 32768 (outside the ephemeral range) with base + each of `spacing` free, none of them
    picked before by this run (a killed service's ports stay its own)."""
    for _ in range(500):
        base = random.randrange(6000, 12000)
        ports = [base + s for s in spacing[:count]]
        if all(p not in _taken and port_free(p) for p in ports):
            _taken.update(ports)
            return ports
    raise Failure("no free ports for the private services")


class RabbitMQ:
    """A private node (scripts/services/rabbitmq) that the suite may kill."""

    def __init__(self, work):
        self.dir = work / "rabbitmq"
        self.port, self.management_port, self.dist_port = pick_ports(3, [0, 10000, 100])
        self.env = dict(os.environ, RABBITMQ_MANAGEMENT_PORT=str(self.management_port),
                        RABBITMQ_DIST_PORT=str(self.dist_port))
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2f"
        self.management = Management(f"http://guest:guest@127.0.0.1:{self.management_port}")

    def start(self):
        result = subprocess.run([str(ROOT / "scripts/services/rabbitmq"), "start", str(self.dir), str(self.port)],
                                env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise Failure(f"private RabbitMQ did not start: {result.stderr.strip()}")
        wait_for(safe(lambda: self.management.call("GET", "/overview")), 60, "the private broker's management API")

    def kill9(self):
        pid = int((self.dir / "rabbitmq.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 30, f"beam {pid} gone")

    def pid(self):
        try:
            return int((self.dir / "rabbitmq.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        subprocess.run([str(ROOT / "scripts/services/rabbitmq"), "stop", str(self.dir)], env=self.env,
                       capture_output=True, timeout=120)

    def queue_detail(self):
        """Ready / unacked / consumers of the pipeline's queues, for a report on messages that do not drain."""
        result = subprocess.run([str(ROOT / "scripts/services/rabbitmq"), "ctl", str(self.dir), "list_queues",
                                 "-q", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged",
                                 "consumers"], env=self.env, capture_output=True, text=True, timeout=60, check=True)
        return "name ready unacked consumers: " + "; ".join(
            line for line in result.stdout.splitlines() if line.startswith(("fleet.normalize", "fleet.persist")))

    def exact_queues(self):
        """{queue: messages} as the node counts them now (rabbitmqctl list_queues), not sampled statistics."""
        result = subprocess.run([str(ROOT / "scripts/services/rabbitmq"), "ctl", str(self.dir), "list_queues",
                                 "-q", "--no-table-headers", "name", "messages"],
                                env=self.env, capture_output=True, text=True, timeout=60, check=True)
        queues = {}
        for line in result.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                queues[parts[0]] = int(parts[1])
        return queues


class Postgres:
    """A private cluster (scripts/services/postgres) that the suite may stop -m immediate."""

    def __init__(self, work):
        self.dir = work / "postgres"
        (self.port,) = pick_ports(1, [0])
        self.url = f"postgres://fleetwatch@127.0.0.1:{self.port}/fleetwatch"

    def start(self):
        result = subprocess.run([str(ROOT / "scripts/services/postgres"), "start", str(self.dir), str(self.port)],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise Failure(f"private PostgreSQL did not start: {result.stderr.strip()}")

    def _pg_ctl(self, *args):
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def stop_immediate(self):
        result = self._pg_ctl("-m", "immediate", "stop")
        if result.returncode != 0:
            raise Failure(f"pg_ctl stop -m immediate failed: {result.stderr.strip()}")

    def stop(self):
        subprocess.run([str(ROOT / "scripts/services/postgres"), "stop", str(self.dir)], capture_output=True,
                       timeout=120)


def _zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
