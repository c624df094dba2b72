"""`python -m backend import-org / export-org` as a county's administrator uses them."""

import csv
import os
import stat
import subprocess
import sys

import openpyxl
import pytest

from backend.config import PROJECT_ROOT
from tests import second_county as hanyin
from tests.conftest import backend_env


def run(store_uri, database_name, *args, **env):
    full = backend_env(MONGODB_URI=store_uri, SUNSHINE_DB=database_name, **env)
    return subprocess.run([sys.executable, "-m", "backend", *args], cwd=PROJECT_ROOT, env=full,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli(store_uri, database_name):
    return lambda *args, **env: run(store_uri, database_name, *args, **env)


@pytest.fixture
def new_county(cli):
    made = cli("create-admin", "--tenant", "hanyin", "--tenant-name", "汉阴县", "--password-env", "PW", PW=hanyin.PASSWORD)
    assert made.returncode == 0, made.stderr


def row_of(sheet, first_cell: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == first_cell)


def test_a_workbook_with_mistakes_on_every_sheet_imports_nothing_and_names_each(cli, new_county, tmp_path,
                                                                                svc_sync_count):
    path = hanyin.write_org_workbook(tmp_path / "mistakes.xlsx")
    book = openpyxl.load_workbook(path)
    departments, posts, staff = book["部门"], book["窗口与岗位"], book["人员"]
    departments.append(["hymz", "汉阴县民政局（重复）", "", "在用"])
    posts.cell(row=row_of(posts, "w01"), column=5).value = "hyscj\nnowhere"
    staff.cell(row=row_of(staff, "clerk"), column=6).value = ""  # w01 loses its A holder
    staff.cell(row=row_of(staff, "hyhb_a"), column=4).value = "scjgj"  # the sample county's department
    book.save(path)
    result = cli("import-org", str(path), "--tenant", "hanyin", "--password-env", "PW", PW=hanyin.PASSWORD)
    assert result.returncode == 1 and "导入失败，未导入任何内容" in result.stderr
    dup, w01, hb = departments.max_row, row_of(posts, "w01"), row_of(staff, "hyhb_a")
    for text in (f"「部门」表第 {dup} 行「部门代码」：部门代码「hymz」重复（与第 4 行相同）",
                 f"「窗口与岗位」表第 {w01} 行「部门」：岗位「综合受理窗口」（w01）：部门「nowhere」不存在",
                 f"「窗口与岗位」表第 {w01} 行「岗位代码」：岗位「综合受理窗口」（w01）没有 A 岗人员",
                 f"「人员」表第 {hb} 行「部门」：人员「汉阴县生态环境局审批员」（hyhb_a）：部门「scjgj」不存在"):
        assert text in result.stderr
    assert svc_sync_count("departments", {"tenant": "hanyin"}) == 0
    assert svc_sync_count("staff", {"tenant": "hanyin"}) == 1  # only the administrator


def test_a_workbook_missing_a_sheet_is_refused_before_anything(cli, new_county, tmp_path, svc_sync_count):
    path = hanyin.write_org_workbook(tmp_path / "short.xlsx")
    book = openpyxl.load_workbook(path)
    del book["服务中心"]
    book.save(path)
    result = cli("import-org", str(path), "--tenant", "hanyin")
    assert result.returncode == 1 and "工作簿缺少「服务中心」表" in result.stderr
    assert svc_sync_count("departments", {"tenant": "hanyin"}) == 0


def test_new_accounts_get_random_initial_passwords_in_a_file_only_its_owner_reads(cli, new_county, tmp_path):
    path = hanyin.write_org_workbook(tmp_path / "org.xlsx")
    result = cli("import-org", str(path), "--tenant", "hanyin")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "org.xlsx.初始密码.csv"
    assert f"11 个新账号的初始密码已写入 {out}" in result.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["用户名", "初始密码"] and len(rows) == 12 and len({r[1] for r in rows[1:]}) == 11


def test_an_export_imports_again_unchanged(cli, svc_sync_count, tmp_path):
    assert cli("seed").returncode == 0
    path = tmp_path / "ziyang.xlsx"
    exported = cli("export-org", str(path), "--tenant", "ziyang")
    assert exported.returncode == 0 and "人员 69 人" in exported.stdout, exported.stderr
    again = cli("import-org", str(path), "--tenant", "ziyang")
    assert again.returncode == 0, again.stderr
    assert "部门 新增 0、更新 0；乡镇 新增 0、更新 0；服务中心 新增 0、更新 0；岗位 新增 0、更新 0；人员 新增 0、更新 0" in again.stdout
    assert svc_sync_count("org_history", {"tenant": "ziyang", "actor": "ziyang:cli"}) == 0
    assert svc_sync_count("staff", {"tenant": "ziyang"}) == 69


def test_a_county_or_province_code_that_would_break_stored_keys_is_refused_and_nothing_is_created(cli, svc_sync_count):
    for args in (("create-admin", "--tenant", "han:yin"), ("create-admin", "--tenant", "han yin"),
                 ("create-province", "--code", "shaan:xi", "--name", "陕西省")):
        refused = cli(*args, "--password-env", "PW", PW=hanyin.PASSWORD)
        assert refused.returncode == 2, refused.stdout
        assert "代码只能包含英文字母、数字和下划线" in refused.stderr
    assert svc_sync_count("tenants", {}) == 0 and svc_sync_count("staff", {}) == 0
