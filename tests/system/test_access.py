"""Read access control (issue 12): a hub started with a viewer token refuses reads of /api/v1 and the live
WebSocket without it, admits a bearer token or the session cookie POST /api/v1/session sets, and leaves the page
files, the OpenAPI document and the health endpoints open; the live WebSocket refuses a foreign Origin (with or
without a token) and the dashboard asks for the token in a sign-in dialog.
"""
import base64
import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, require, wait_for
from test_dashboard import browser  # noqa: F401 (the fixture)
from test_hub import Hub

TOKEN = "viewer-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    require(Path(BIN).exists(), f"{BIN} is not built")
    tmp = tmp_path_factory.mktemp("access-hub")
    hub = Hub(tmp, tmp / "data")
    hub.start("--interval", "1", "--viewer-token", TOKEN).wait_ready()
    yield hub
    hub.kill()


def call(hub, path, method="GET", headers=None, body=None):
    request = urllib.request.Request(hub.url(path), method=method, headers=headers or {},
                                     data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def upgrade(hub, headers):
    """The status of a WebSocket upgrade request to /api/v1/live (101: switched)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /api/v1/live HTTP/1.1", f"Host: 127.0.0.1:{hub.http_port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", hub.http_port), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(connection.recv(4096).split(b" ", 2)[1])


def test_reads_need_the_viewer_token_or_a_session(hub):
    status, headers, body = call(hub, "/api/v1/machines")
    assert status == 401, body
    assert "viewer token" in json.loads(body)["error"]
    assert headers.get("WWW-Authenticate") == 'Bearer realm="fleetwatch"'
    assert call(hub, "/api/v1/machines", headers={"Authorization": "Bearer wrong-token-0123456789"})[0] == 401

    status, _, body = call(hub, "/api/v1/machines", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and "machines" in json.loads(body)

    # Open: the page files, the OpenAPI document, health, and where a browser signs in.
    assert call(hub, "/")[0] == 200
    assert call(hub, "/api/v1/openapi.json")[0] == 200
    assert call(hub, "/readyz")[0] == 200
    status, _, body = call(hub, "/api/v1/session")
    assert status == 200 and json.loads(body) == {"required": True, "signed_in": False}

    assert call(hub, "/api/v1/session", "POST", {"Content-Type": "application/json"}, {"token": "nope"})[0] == 401
    status, headers, _ = call(hub, "/api/v1/session", "POST", {"Content-Type": "application/json"}, {"token": TOKEN})
    assert status == 204
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    session = cookie.split(";")[0]
    status, _, body = call(hub, "/api/v1/machines", headers={"Cookie": session})
    assert status == 200 and "machines" in json.loads(body)
    status, _, body = call(hub, "/api/v1/session", headers={"Cookie": session})
    assert json.loads(body) == {"required": True, "signed_in": True}


def test_the_live_feed_needs_a_token_and_the_dashboards_own_origin(hub):
    own = f"http://127.0.0.1:{hub.http_port}"
    # A refused upgrade is answered 4xx (the WebSocket upgrader does not pass the router's own status on).
    assert 400 <= upgrade(hub, {"Origin": own}) < 500
    assert upgrade(hub, {"Origin": own, "Authorization": f"Bearer {TOKEN}"}) == 101
    assert upgrade(hub, {"Authorization": f"Bearer {TOKEN}"}) == 101  # the CLI and probes send no Origin
    assert 400 <= upgrade(hub, {"Origin": "http://evil.example", "Authorization": f"Bearer {TOKEN}"}) < 500
    metrics = urllib.request.urlopen(hub.url("/metrics"), timeout=5).read().decode()
    assert any(line.startswith("fleetwatch_gateway_live_refused_origins_total ") and not line.endswith(" 0")
               for line in metrics.splitlines()), "the refusal is counted"


def test_the_dashboard_asks_for_the_token_and_then_shows_the_fleet(hub, browser):
    from selenium.webdriver.common.by import By

    browser.get(hub.url("/"))
    dialog = wait_for(lambda: next(iter(browser.find_elements(By.ID, "sign-in")), None), 20, "the sign-in dialog")
    field = dialog.find_element(By.ID, "viewer-token")
    field.send_keys("wrong-token-0123456789")
    dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "refused" in dialog.find_element(By.ID, "viewer-token-error").text, 10, "the refusal in the dialog")
    field.clear()
    field.send_keys(TOKEN)
    dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # Signed in, the page reloads and lists this machine (the hub's own collector) over REST and the live feed.
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#machines tr[data-machine-id]"), 30, "the fleet rows")
    assert not browser.find_elements(By.ID, "sign-in")
    wait_for(lambda: browser.find_element(By.ID, "connection").get_attribute("data-state") == "connected", 20,
             "the live feed connected")
