"""`python -m backend deadline` and `python -m backend calendar` as an operator runs them."""

import asyncio
import json
import subprocess
import sys

from backend.config import PROJECT_ROOT
from tests.conftest import backend_env, free_port

EXAMPLE = ["--start", "2026-09-29T09:12:03+08:00", "--days", "5", "--pause", "2026-10-08/2026-10-09"]


def run_backend(args: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=90, env=backend_env(**env))


async def backend(settings, *args: str) -> subprocess.CompletedProcess:
    """Run a command against this test's database on the real store."""
    return await asyncio.to_thread(run_backend, list(args), MONGODB_URI=settings.mongodb_uri,
                                   SUNSHINE_DB=settings.database)


async def test_the_worked_example_is_due_at_the_end_of_october_14_with_its_reasons(store, settings):
    result = await backend(settings, "deadline", *EXAMPLE)
    assert result.returncode == 0, result.stderr
    first, *explanation = result.stdout.splitlines()
    assert first == "2026-10-15T00:00:00+08:00"
    text = "\n".join(explanation)
    assert "受理当日（2026-09-29）不计入" in text
    assert "2026-10-01 至 2026-10-07 为法定节假日（国庆节），不计入" in text
    assert "2026-10-10（星期六）为调休上班日" in text
    assert "2026-10-08 至 2026-10-09 中的 2 个工作日不计入" in text
    assert text.endswith("期限届满：2026-10-14 24:00。")


def test_offline_needs_no_store_and_gives_the_same_answer():
    result = run_backend(["deadline", "--offline", *EXAMPLE], MONGODB_URI=f"mongodb://127.0.0.1:{free_port()}/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2026-10-15T00:00:00+08:00"
    assert result.stderr == ""


def test_an_unreachable_store_falls_back_to_the_state_council_calendar_and_says_so():
    result = run_backend(["deadline", *EXAMPLE], MONGODB_URI=f"mongodb://127.0.0.1:{free_port()}/",
                         SUNSHINE_STORE_TIMEOUT_MS="300")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2026-10-15T00:00:00+08:00"
    assert "无法连接存储" in result.stderr and "Traceback" not in result.stderr


def test_a_closing_time_ends_the_last_day_at_closing():
    result = run_backend(["deadline", "--offline", *EXAMPLE, "--closing", "17:30"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2026-10-14T17:30:00+08:00"
    assert "期限届满：2026-10-14 17:30（办事大厅下班时间）" in result.stdout


def test_a_malformed_pause_is_refused_in_chinese_with_exit_code_2():
    result = run_backend(["deadline", "--offline", "--start", "2026-09-29T09:12:03+08:00", "--days", "5",
                          "--pause", "2026-10-08"])
    assert result.returncode == 2
    assert result.stdout == ""
    assert "中止计时格式不正确：2026-10-08（应为 开始/结束[/原因]）" in result.stderr
    assert "Traceback" not in result.stderr
    bad_date = run_backend(["deadline", "--offline", *EXAMPLE[:4], "--pause", "2026-10-08/10月9日"])
    assert bad_date.returncode == 2 and "时间格式不正确：10月9日" in bad_date.stderr


async def test_a_local_day_off_added_with_the_calendar_command_moves_the_deadline(store, settings):
    added = await backend(settings, "calendar", "add-day", "2026-10-12", "--holiday", "--note", "县庆放假")
    assert added.returncode == 0, added.stderr
    assert "已添加 2026-10-12：本地放假（县庆放假）" in added.stdout
    result = await backend(settings, "deadline", *EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2026-10-16T00:00:00+08:00"
    assert "2026-10-12 为本地放假日（县庆放假），不计入" in result.stdout
    elsewhere = await backend(settings, "deadline", *EXAMPLE, "--tenant", "hanbin")
    assert elsewhere.stdout.splitlines()[0] == "2026-10-15T00:00:00+08:00"


async def test_importing_a_notice_with_the_calendar_command_makes_next_years_deadlines_final(store, settings, tmp_path):
    start = ["deadline", "--start", "2027-09-28T10:00:00+08:00", "--days", "5"]
    before = await backend(settings, *start)
    assert "2027 年的节假日安排尚未录入" in before.stdout and "暂定期限届满" in before.stdout
    notice = tmp_path / "2027.json"
    notice.write_text(json.dumps([{"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"}],
                                 ensure_ascii=False), encoding="utf-8")
    imported = await backend(settings, "calendar", "import", str(notice), "--year", "2027")
    assert imported.returncode == 0, imported.stderr
    assert "已导入 2027 年节假日安排：1 行，7 天" in imported.stdout
    after = await backend(settings, *start)
    assert after.stdout.splitlines()[0] == "2027-10-13T00:00:00+08:00"
    assert "暂定" not in after.stdout
    status = await backend(settings, "calendar", "status")
    assert "已覆盖至 2027 年" in status.stdout


async def test_an_overlapping_notice_file_is_refused_naming_the_row(store, settings, tmp_path):
    notice = tmp_path / "bad.json"
    notice.write_text(json.dumps({"rows": [
        {"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
        {"start": "2027-10-06", "kind": "放假", "name": "中秋节"}]}, ensure_ascii=False), encoding="utf-8")
    result = await backend(settings, "calendar", "import", str(notice), "--year", "2027")
    assert result.returncode == 2
    assert "第 2 行与第 1 行日期重叠：2027-10-06" in result.stderr
    status = await backend(settings, "calendar", "status")
    assert "已覆盖至 2026 年" in status.stdout
