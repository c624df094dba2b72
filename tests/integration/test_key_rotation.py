"""Rotating the data key: every vault value moves under the new key, a run cut off resumes, nothing hashed
changes, and the old key can then be removed; the command shows its progress and refuses to run without keys."""

import asyncio
import base64
import hashlib
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from backend.config import PROJECT_ROOT
from backend.ops import rotate_keys
from backend.services import notifications, trail_check, vault
from backend.services.context import Services
from tests.conftest import TEST_KEYS, backend_env
from tests.integration.test_case_pipeline import APPLICANT, staff, walk_in
from tests.integration.test_hotline_pipeline import register

NEW_KEY = "test-3=" + base64.b64encode(hashlib.sha256(b"sunshine365 test key 3").digest()).decode()
ROTATED = f"{NEW_KEY},{TEST_KEYS['SUNSHINE_DATA_KEYS']}"


async def _snapshot(svc, collections=("case_steps", "cases", "hotline_tickets", "case_index")):
    found = {name: await svc.db[name].find({}).sort("_id", 1).to_list(None) for name in collections}
    return {**found, "queued notices": await notifications.queued_for(svc, "ziyang")}


@pytest.fixture
async def stored(api, seeded, svc):
    clerk, operator = await staff(api, "clerk_a"), await staff(api, "operator")
    for n in range(3):
        await walk_in(api, clerk, "个体工商户设立登记", applicant={**APPLICANT, "phone": f"1390000000{n}"})
    await register(operator)
    return await _snapshot(svc)


async def test_rotation_moves_every_value_under_the_new_key_and_resumes_after_a_crash(stored, svc, settings, monkeypatch):
    before = {d["_id"]: await vault.reveal_one(svc, "ziyang", "pii:" + d["_id"].split(":", 1)[1])
              for d in await svc.db[vault.VAULT].find({}).to_list(None)}
    assert len(before) == 5 and {d["key"] for d in await svc.db[vault.VAULT].find({}).to_list(None)} == {"test-2"}
    rotated = Services(db=svc.db, settings=replace(settings, data_keys=ROTATED), clock=svc.clock)
    assert await rotate_keys.left(rotated) == {"test-2": 5}
    monkeypatch.setattr(rotate_keys, "BATCH", 2)

    def crash(done):
        raise RuntimeError(f"killed after {done}")

    with pytest.raises(RuntimeError, match="killed after 2"):
        await rotate_keys.rotate(rotated, progress=crash)
    assert await rotate_keys.left(rotated) == {"test-2": 3}
    seen = []
    assert await rotate_keys.rotate(rotated, progress=seen.append) == {"rotated": 3, "unreadable": 0}
    assert seen == [2, 3] and await rotate_keys.left(rotated) == {}
    assert await rotate_keys.rotate(rotated) == {"rotated": 0, "unreadable": 0}

    only_new = Services(db=svc.db, settings=replace(settings, data_keys=NEW_KEY), clock=svc.clock)
    after = {d["_id"]: await vault.reveal_one(only_new, "ziyang", "pii:" + d["_id"].split(":", 1)[1])
             for d in await svc.db[vault.VAULT].find({}).to_list(None)}
    assert after == before
    assert await _snapshot(svc) == stored  # nothing hashed, indexed or queued changed
    assert (await trail_check.verify_tenant(only_new, "ziyang"))["ok"]


async def test_the_command_shows_its_progress_and_production_without_keys_is_refused(stored, settings):
    def backend(*args, **env):
        return subprocess.run([sys.executable, "-m", "backend", *args], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=90, env=backend_env(MONGODB_URI=settings.mongodb_uri,
                                                                     SUNSHINE_DB=settings.database, **env))

    done = await asyncio.to_thread(backend, "rotate-keys", SUNSHINE_DATA_KEYS=ROTATED)
    assert done.returncode == 0, done.stderr
    assert "已用密钥 test-3 重新加密 5 条个人信息" in done.stdout and "5/5 100%" in done.stderr
    status = await asyncio.to_thread(backend, "rotate-keys", "--status", SUNSHINE_DATA_KEYS=ROTATED)
    assert "仍由旧密钥加密：无" in status.stdout
    for command in (["rotate-keys"], ["serve"], ["migrate"]):
        refused = await asyncio.to_thread(backend, *command, SUNSHINE_DATA_KEYS="", SUNSHINE_LOOKUP_KEY="")
        assert refused.returncode == 2 and "SUNSHINE_DATA_KEYS" in refused.stderr, command
        assert "Traceback" not in refused.stderr
    audit = await asyncio.to_thread(backend, "verify-trail", SUNSHINE_DATA_KEYS="", SUNSHINE_LOOKUP_KEY="")
    assert audit.returncode == 0 and "未发现篡改" in audit.stdout, audit.stdout + audit.stderr  # an auditor needs no key


def test_the_embedded_store_gets_development_keys_and_says_so_loudly(start_server, tmp_path):
    data = tmp_path / "var"
    env = backend_env(SUNSHINE_DATA_DIR=data, SUNSHINE_DATA_KEYS="", SUNSHINE_LOOKUP_KEY="")
    shown = subprocess.run([sys.executable, "-m", "backend", "config"], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, timeout=60, env=env)
    assert shown.returncode == 0 and "开发密钥" in shown.stdout and "DEVELOPMENT KEYS" in shown.stdout
    assert "DEVELOPMENT KEYS" in shown.stderr  # the log line
    kept = (data / "dev-keys.json").read_text()
    generated = json.loads(kept)
    assert generated["data_keys"].startswith("dev-") and generated["data_keys"].split("=", 1)[1] not in shown.stdout
    server = start_server(SUNSHINE_DATA_DIR=data, SUNSHINE_DATA_KEYS="", SUNSHINE_LOOKUP_KEY="",
                          SUNSHINE_SEED_SAMPLE="false")
    server.wait_ready()
    server.stop()
    assert "开发密钥" in server.log_path.read_text() and (data / "dev-keys.json").read_text() == kept
