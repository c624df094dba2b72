"""When the store goes away the API says so quickly, and recovers by itself when it returns."""

import json
import time
import urllib.error
import urllib.request

from backend.config import PROJECT_ROOT
from backend.store.embedded import EmbeddedStore


def _get(url: str, body: dict | None = None):
    started = time.monotonic()
    request = urllib.request.Request(url)
    if body is not None:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), time.monotonic() - started
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), time.monotonic() - started


def test_store_down_gives_503_quickly_and_the_server_recovers_without_a_restart(start_server, tmp_path):
    ferret = EmbeddedStore(tmp_path / "outside-store", PROJECT_ROOT / ".tools" / "bin" / "ferretdb")
    uri = ferret.open()
    try:
        server = start_server(MONGODB_URI=uri, SUNSHINE_DB="outage", SUNSHINE_STORE_TIMEOUT_MS="800")
        server.wait_ready()
        ferret._process.kill()
        ferret._process.wait()

        status, body, _ = _get(server.base_url + "/readyz")
        assert status == 503 and body["store"] == "down"
        login = {"username": "admin", "password": "whatever-pw"}
        status, body, took = _get(server.base_url + "/api/v1/auth/login", login)
        assert status == 503 and body["error"]["message"] == "数据服务暂时不可用，请稍后再试"
        assert took < 5
        assert _get(server.base_url + "/healthz")[0] == 200

        ferret._spawn()  # the same port comes back
        deadline = time.monotonic() + 20
        while _get(server.base_url + "/readyz")[0] != 200:
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.3)
        assert _get(server.base_url + "/api/v1/auth/login", login)[0] == 401  # normal service again
    finally:
        ferret.close()
