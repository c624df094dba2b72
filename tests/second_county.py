"""A second county (汉阴县) as a new county would write it: the blank template filled in, and a power list.

Department codes differ from the sample's on purpose, so nothing of Ziyang (codes, duty keywords,
labelled tickets) can route Hanyin's hotline: only the duties written here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl

from backend.itemfiles import write_items
from backend.services.seed import SEED_DIR, TEMPLATE_WORKBOOK

TENANT, AREA_CODE, PASSWORD = "hanyin", "610921", "hanyin-start-1"
PROFILE = {"县区名称": "汉阴县", "省份": "陕西省", "地市": "安康市", "行政区划代码": AREA_CODE, "热线电话": "0915-5212345",
           "办公时间": "08:00-17:30", "周末办公": "否", "期限截至下班时间": "是", "黄牌预警（剩余工作日）": 2,
           "网上申请受理时限（工作日）": 1}
DEPARTMENTS = [
    ("hyzx", "汉阴县政务服务中心", "一窗受理、窗口服务、办事大厅"),
    ("hyscj", "汉阴县市场监督管理局", "营业执照、个体工商户、食品经营、消费投诉、缺斤短两"),
    ("hymz", "汉阴县民政局", "婚姻登记、结婚、离婚、低保、养老、殡葬"),
    ("hyzj", "汉阴县住房和城乡建设局", "施工许可、物业、燃气、房屋、占道"),
    ("hyzr", "汉阴县自然资源局", "不动产登记、采矿、土地、宅基地"),
    ("hyhb", "汉阴县生态环境局", "油烟、噪声、污水、排污、异味"),
]
TOWNSHIPS = [("chengguan", "城关镇", "五一村\n太平村"), ("jianchi", "涧池镇", "仁河村")]
CENTRES = [("county", "汉阴县政务服务中心", "县级", ""), ("chengguan", "城关镇便民服务中心", "乡镇", "chengguan")]
APPROVERS = [code for code, _, _ in DEPARTMENTS if code != "hyzx"]
POSTS = [("w01", "综合受理窗口", "窗口岗", "county", "\n".join(APPROVERS)),
         ("t-chengguan", "城关镇便民服务窗口", "窗口岗", "chengguan", "")] + \
        [(f"d-{code}", f"{name}审批岗", "审批岗", "county", code) for code, name, _ in DEPARTMENTS if code != "hyzx"]
STAFF = [("clerk", "沈窗口", "窗口人员", "", "county", "w01", "A"),
         ("clerk_b", "韩窗口", "窗口人员", "", "county", "w01", "B"),
         ("cg_clerk", "城关镇窗口", "窗口人员", "", "chengguan", "t-chengguan", "A"),
         ("manager", "汉阴中心主任", "中心管理人员", "", "county", "", ""),
         ("operator", "汉阴话务员", "热线话务员", "", "", "", ""),
         ("supervisor", "汉阴监察员", "电子监察（纪委）", "", "", "", "")] + \
        [(f"{code}_a", f"{name}审批员", "部门审批人员", code, "", f"d-{code}", "A") for code, name, _ in DEPARTMENTS
         if code != "hyzx"]
# the sample's items of each kind, and the Hanyin departments that carry them
ITEMS = {"个体工商户设立登记": "promised", "结婚登记": "immediate", "开办餐饮店一件事": "joint", "采矿权新立登记": "report_up"}
DEPARTMENT_OF = {"scjgj": "hyscj", "mzj": "hymz", "cgj": "hyzj", "sthj": "hyhb", "zrzyj": "hyzr"}


def _rows(sheet, rows) -> None:
    for row in rows:
        sheet.append(list(row))


def write_org_workbook(path: Path) -> Path:
    """The blank template, filled in sheet by sheet."""
    book = openpyxl.load_workbook(TEMPLATE_WORKBOOK)
    profile = book["县区信息"]
    for row in range(2, profile.max_row + 1):
        label = profile.cell(row=row, column=1).value
        if label in PROFILE:
            profile.cell(row=row, column=2).value = PROFILE[label]
    _rows(book["部门"], [(code, name, duties, "在用") for code, name, duties in DEPARTMENTS])
    _rows(book["乡镇"], [(code, name, villages) for code, name, villages in TOWNSHIPS])
    _rows(book["服务中心"], [(code, name, level, town, "", "") for code, name, level, town in CENTRES])
    _rows(book["窗口与岗位"], POSTS)
    _rows(book["人员"], [(u, n, r, d, c, p, s, "", "在用") for u, n, r, d, c, p, s in STAFF])
    book.save(path)
    return path


def items() -> list[dict]:
    """Four sample items, one of each kind, carried by Hanyin's departments under Hanyin's area code."""
    catalogue = json.loads((SEED_DIR / "catalogue.json").read_text(encoding="utf-8"))["items"]
    names = {code: name for code, name, _ in DEPARTMENTS}
    chosen = []
    for entry in (copy.deepcopy(i) for i in catalogue if i["name"] in ITEMS):
        entry["code"] = entry["code"].replace("610924", AREA_CODE)
        entry["department"] = DEPARTMENT_OF[entry["department"]]
        entry["department_name"] = names[entry["department"]]
        entry["joint_departments"] = [{"code": DEPARTMENT_OF[j["code"]], "name": names[DEPARTMENT_OF[j["code"]]]}
                                      for j in entry["joint_departments"]]
        entry["prerequisites"] = []
        chosen.append(entry)
    return chosen


def write_items_workbook(path: Path) -> Path:
    write_items(items(), path)
    return path


async def set_up(svc, folder: Path) -> None:
    """Hanyin and the province through the same imports the commands use, in process (quicker than the
    commands, which ``test_second_county`` runs once as documented)."""
    from backend.itemfiles import read_items
    from backend.orgfiles import read_org
    from backend.services import accounts, catalog, catalog_admin, org_import

    await svc.db.tenants.insert_one({"_id": TENANT, "name": "汉阴县", "kind": "county", "created_at": svc.now()})
    await accounts.create_staff(svc, TENANT, "admin", PASSWORD, "系统管理员", ["admin"])
    book = read_org(write_org_workbook(folder / "org.xlsx"))
    await org_import.import_org(svc, TENANT, book, {"id": f"{TENANT}:test"}, initial_password=PASSWORD)
    departments, townships = await catalog.reference_data(svc, TENANT)
    rows = read_items(write_items_workbook(folder / "items.xlsx"), known_departments=departments,
                      known_townships=townships)
    await catalog_admin.import_items(svc, TENANT, rows, {"id": f"{TENANT}:test", "roles": ["admin"]}, publish_now=True)
    await svc.db.tenants.insert_one({"_id": "shaanxi", "name": "陕西省", "kind": "province", "created_at": svc.now()})
    await accounts.create_staff(svc, "shaanxi", "sx_supervisor", PASSWORD, "省级监察员", ["province_supervisor"])
