"""The embedded store's files copied while the server runs (SQLite online backup).

The copy is one consistent moment of each SQLite file. Taken in the middle of a step it is exactly
what a crash leaves (the step stored, the snapshot not yet rewritten), which the next read repairs
(docs/decisions/0003); the test copies between steps so that verify-trail can judge the copy alone.
"""

import json
import threading
import urllib.request

from pymongo import MongoClient

from backend.config import PROJECT_ROOT
from backend.store.embedded import EmbeddedStore
from tests.integration.test_deadline_command import run_backend


def login(base_url: str) -> str:
    body = json.dumps({"username": "operator", "password": "sunshine365", "tenant": "ziyang"}).encode()
    request = urllib.request.Request(base_url + "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["token"]


def register_tickets(base_url: str, token: str, stop: threading.Event, made: list) -> None:
    """Keep the server writing (hotline tickets: a step, a snapshot and derived records each)."""
    while not stop.is_set() and len(made) < 40:
        body = json.dumps({"caller_phone": "13800001234", "caller_name": "张三丰", "type": "consult",
                           "channel": "phone", "content": "请问县政务服务中心周末开不开门？"}).encode()
        request = urllib.request.Request(base_url + "/api/v1/hotline/tickets", body, {
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            made.append(json.loads(answer.read())["number"])


def test_a_copy_taken_while_the_server_runs_opens_as_a_store_with_a_sound_trail(start_server, tmp_path):
    server = start_server(SUNSHINE_DATA_DIR=tmp_path / "var")
    server.wait_ready(timeout=90)
    stop, made = threading.Event(), []
    writer = threading.Thread(target=register_tickets, args=(server.base_url, login(server.base_url), stop, made))
    writer.start()
    while len(made) < 3:
        writer.join(0.1)
    stop.set()
    writer.join()
    copied = run_backend(["backup", "--sqlite", str(tmp_path / "copy")], SUNSHINE_DATA_DIR=tmp_path / "var")
    assert copied.returncode == 0, copied.stderr
    assert "已在线复制内置存储" in copied.stdout and "sunshine.sqlite" in copied.stdout

    opened = EmbeddedStore(tmp_path / "copy", PROJECT_ROOT / ".tools" / "bin" / "ferretdb")
    client = MongoClient(opened.open(), serverSelectionTimeoutMS=5000)
    try:
        tickets = client.sunshine.hotline_tickets.count_documents({})
        assert tickets == len(made) >= 3
        assert client.sunshine.staff.count_documents({}) > 0
    finally:
        client.close()
        opened.close()
    checked = run_backend(["verify-trail"], SUNSHINE_DATA_DIR=tmp_path / "copy")
    assert checked.returncode == 0 and "未发现篡改" in checked.stdout, checked.stdout + checked.stderr
