"""`python -m backend import-items / export-items` as county staff use them."""

import json
import subprocess
import sys

import openpyxl
import pytest

from backend.config import PROJECT_ROOT
from backend.itemfiles import write_items
from tests.conftest import backend_env


def run(store_uri, database_name, *args):
    env = backend_env(MONGODB_URI=store_uri, SUNSHINE_DB=database_name)
    return subprocess.run([sys.executable, "-m", "backend", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def county(store_uri, database_name):
    seeded = run(store_uri, database_name, "seed")
    assert seeded.returncode == 0, seeded.stderr
    return lambda *args: run(store_uri, database_name, *args)


def sample_items():
    return json.loads((PROJECT_ROOT / "backend" / "seed" / "catalogue.json").read_text())["items"]


def five_hundred_items():
    base = sample_items()
    items = []
    for n in range(500):
        item = dict(base[n % len(base)])
        item["code"] = f"610924-BULK-{n:04d}"
        item["name"] = f"{item['name']}（批量{n}）"
        item["prerequisites"] = []
        items.append(item)
    return items


def test_a_500_item_workbook_imports_with_a_progress_bar(county, tmp_path, svc_sync_count):
    path = tmp_path / "big.xlsx"
    write_items(five_hundred_items(), path)
    result = county("import-items", str(path))
    assert result.returncode == 0, result.stderr
    assert "导入完成：新增 500 项" in result.stdout
    assert "500/500 100%" in result.stderr and "█" in result.stderr
    assert svc_sync_count("item_heads", {"code": {"$regex": "^610924-BULK-"}}) == 500


def test_a_workbook_with_one_bad_row_imports_nothing_and_names_the_row(county, tmp_path, svc_sync_count):
    path = tmp_path / "bad.xlsx"
    write_items(five_hundred_items()[:20], path)
    book = openpyxl.load_workbook(path)
    sheet = book["事项"]
    headers = [c.value for c in sheet[1]]
    promised = headers.index("承诺时限") + 1
    statutory = headers.index("法定时限") + 1
    sheet.cell(row=13, column=statutory).value = 5
    sheet.cell(row=13, column=promised).value = 9
    book.save(path)
    result = county("import-items", str(path))
    assert result.returncode == 1
    assert "未导入任何事项" in result.stderr and "第 13 行" in result.stderr and "承诺时限" in result.stderr
    assert svc_sync_count("item_heads", {"code": {"$regex": "^610924-BULK-"}}) == 0


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_an_export_imports_again_unchanged(county, tmp_path, suffix):
    path = tmp_path / f"catalogue{suffix}"
    exported = county("export-items", str(path))
    assert exported.returncode == 0 and "已导出 52 项" in exported.stdout, exported.stderr
    again = county("import-items", str(path))
    assert again.returncode == 0, again.stderr
    assert "新增 0 项，更新 0 项，未变化 52 项" in again.stdout
