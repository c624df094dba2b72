"""The embedded store as a newcomer meets it: one command starts it, nothing is left behind."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from backend.config import PROJECT_ROOT
from backend.store.embedded import EmbeddedStore, EmbeddedStoreError
from tests.conftest import backend_env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def _wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_serve_starts_ferretdb_seeds_the_sample_county_and_sigterm_leaves_nothing_running(start_server, tmp_path):
    server = start_server(SUNSHINE_DATA_DIR=tmp_path / "var")
    assert server.wait_ready() < 30
    state = json.loads((tmp_path / "var" / "store.json").read_text())
    ferret_pid = state["pid"]
    assert _alive(ferret_pid)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the sample county loads in the background after readiness
        login = urllib.request.Request(
            server.base_url + "/api/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "clerk_a", "password": "sunshine365"}).encode())
        try:
            with urllib.request.urlopen(login, timeout=5) as response:
                assert json.loads(response.read())["staff"]["username"] == "clerk_a"
                break
        except urllib.error.HTTPError:
            time.sleep(0.3)
    else:
        raise AssertionError("the sample window clerk never became available")
    assert server.stop(signal.SIGTERM) == 0
    assert _wait_dead(ferret_pid), "FerretDB outlived the server"
    assert not (tmp_path / "var" / "store.json").exists()


def test_a_killed_server_takes_ferretdb_with_it_and_the_next_start_is_not_blocked(start_server, tmp_path):
    first = start_server(SUNSHINE_DATA_DIR=tmp_path / "var", SUNSHINE_SEED_SAMPLE="false")
    first.wait_ready()
    ferret_pid = json.loads((tmp_path / "var" / "store.json").read_text())["pid"]
    first.stop(signal.SIGKILL)
    assert _wait_dead(ferret_pid), "FerretDB survived a SIGKILL of its owner"
    assert (tmp_path / "var" / "store.json").exists()  # stale state from the killed run
    second = start_server(SUNSHINE_DATA_DIR=tmp_path / "var", SUNSHINE_SEED_SAMPLE="false")
    assert second.wait_ready() < 30


def test_a_command_uses_the_store_the_server_is_running(start_server, tmp_path):
    server = start_server(SUNSHINE_DATA_DIR=tmp_path / "var", SUNSHINE_SEED_SAMPLE="false")
    server.wait_ready()
    ferret_pid = json.loads((tmp_path / "var" / "store.json").read_text())["pid"]
    result = subprocess.run(
        [sys.executable, "-m", "backend", "seed"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        env=backend_env(SUNSHINE_DATA_DIR=tmp_path / "var"),
    )
    assert result.returncode == 0, result.stderr
    assert "已载入示例数据" in result.stdout
    assert _alive(ferret_pid), "the command must not stop the server's store"
    assert json.loads((tmp_path / "var" / "store.json").read_text())["pid"] == ferret_pid
    towns = _json(server.base_url + "/readyz")
    assert towns["store"] == "ok"


def test_a_command_without_a_server_starts_and_stops_its_own_store(tmp_path):
    env = backend_env(SUNSHINE_DATA_DIR=tmp_path / "var", SUNSHINE_ADMIN_PASSWORD="first-admin-pw")
    result = subprocess.run([sys.executable, "-m", "backend", "create-admin", "--username", "root"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "已创建管理员 root" in result.stdout
    assert not (tmp_path / "var" / "store.json").exists()
    again = subprocess.run([sys.executable, "-m", "backend", "create-admin", "--username", "root"],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert again.returncode == 1 and "已存在" in again.stdout  # the data outlived the first store


def test_a_missing_ferretdb_binary_says_what_to_install_or_set(tmp_path):
    store = EmbeddedStore(tmp_path, tmp_path / "no-such-ferretdb")
    try:
        store.open()
    except EmbeddedStoreError as exc:
        assert "MONGODB_URI" in str(exc) or "scripts/setup" in str(exc)
    else:
        raise AssertionError("opening without a binary must fail")
    assert store._try_lock(), "a failed start must release the data directory's lock"


def test_config_prints_settings_with_secrets_hidden():
    env = backend_env(WECHAT_SECRET="top-secret-value")
    result = subprocess.run([sys.executable, "-m", "backend", "config"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=30, env=env)
    assert result.returncode == 0
    assert "top-secret-value" not in result.stdout and "WECHAT_SECRET" in result.stdout
    assert "内置 FerretDB" in result.stdout


def test_bad_settings_stop_the_start_with_a_readable_message():
    env = backend_env(SUNSHINE_PORT="not-a-port")
    result = subprocess.run([sys.executable, "-m", "backend", "serve"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=30, env=env)
    assert result.returncode == 2 and "SUNSHINE_PORT" in result.stderr and "Traceback" not in result.stderr
