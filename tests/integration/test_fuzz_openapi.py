"""schemathesis against the OpenAPI document of a running server, as an anonymous caller and as the
county's administrator (who holds every staff role): no 5xx, no status the document does not list
for the operation, every 405 with ``Allow`` naming the documented methods. Bounded for CI: a few
examples per operation, three phases (the schema's examples, coverage of each constraint, random
fuzzing). Every operation is selected; the one left out of the staff run is named below."""

import asyncio
import os
import re
import sys

from openapi_spec_validator import validate

from backend.config import PROJECT_ROOT

CHECKS = "not_a_server_error,status_code_conformance,unsupported_method,allow_header_conformance"
# Signing out would end the session the staff run goes on with; the anonymous run covers it.
STAFF_LEAVES_OUT = "/api/v1/auth/logout"


async def fuzz(base_url: str, output_dir, name: str, *extra: str) -> str:
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/api/openapi.json",
               "--checks", CHECKS, "--max-examples", "5", "--phases", "examples,coverage,fuzzing",
               "--workers", "2", "--request-timeout", "60", "--seed", "365", "--no-color", *extra]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.fuzz_hooks", "PYTHONPATH": str(PROJECT_ROOT)}
    process = await asyncio.create_subprocess_exec(*command, cwd=PROJECT_ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = (await process.communicate())[0].decode(errors="replace")
    (output_dir / f"fuzz-{name}.txt").write_text(output, encoding="utf-8")
    assert process.returncode == 0, output[-6000:]
    return output


def counts(output: str) -> tuple[int, int]:
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    return int(selected.group(1)), int(selected.group(2))


async def test_the_document_is_valid_openapi_3_1(api):
    document = (await api.get("/api/openapi.json")).json
    validate(document)
    assert document["openapi"] == "3.1.0"


async def test_fuzzing_as_an_anonymous_caller_finds_nothing(api, seeded, output_dir):
    output = await fuzz(api.base_url, output_dir, "anonymous")
    selected, total = counts(output)
    assert selected == total and "Tested: %d" % total in output, "every operation is fuzzed"


async def test_fuzzing_as_the_administrator_finds_nothing(api, seeded, output_dir):
    admin = api.as_anonymous()
    await admin.login("admin")
    output = await fuzz(api.base_url, output_dir, "staff", "-H", f"Authorization: Bearer {admin.token}",
                        "--exclude-path", STAFF_LEAVES_OUT)
    selected, total = counts(output)
    assert selected == total - 1 and "Tested: %d" % selected in output, "every operation but sign-out is fuzzed"
    assert (await admin.get("/api/v1/auth/me")).status == 200, "the session lasted the whole run"
