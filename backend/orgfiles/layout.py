"""The organisation workbook's sheets and columns (机构设置表), and writing it.

One sheet per kind of entity, one row per entity; ``县区信息`` holds the profile and rules as
``项目 | 值`` rows. ``人员`` rows name each person's post and A/B slot, so the posts sheet has no
holder columns and a post's holders are read from the people who claim it.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from backend.domain.org import (
    CENTRE_LEVELS, FIELD_LABELS, POST_KINDS, PROFILE_FIELDS, SETTINGS_FIELDS, OrgState,
)
from backend.domain.roles import COUNTY_ROLES, ROLE_LABELS
from backend.itemfiles.xlsx_format import put_row, start_sheet

PROFILE_SHEET = "县区信息"
HELP_SHEET = "填写说明"
STATUS = {"在用": True, "停用": False}
# kind -> (sheet, [(header, field)]); the first column is the key (code or username)
SHEETS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "departments": ("部门", [("部门代码", "code"), ("部门名称", "name"), ("职责", "duties"), ("状态", "active")]),
    "townships": ("乡镇", [("乡镇代码", "code"), ("乡镇名称", "name"), ("村（社区）", "villages"), ("状态", "active")]),
    "centres": ("服务中心", [("中心代码", "code"), ("中心名称", "name"), ("层级", "level"), ("所在乡镇", "township"),
                         ("可受理事项", "items"), ("地址", "address"), ("状态", "active")]),
    "posts": ("窗口与岗位", [("岗位代码", "code"), ("岗位名称", "name"), ("类型", "kind"), ("服务中心", "centre"),
                        ("部门", "departments"), ("状态", "active")]),
    "staff": ("人员", [("用户名", "username"), ("姓名", "name"), ("角色", "roles"), ("部门", "department"),
                     ("服务中心", "centre"), ("岗位", "post"), ("AB岗", "slot"), ("手机", "phone"), ("状态", "active")]),
}
PROFILE_ROWS = [(FIELD_LABELS[key], key) for key in (*PROFILE_FIELDS, *SETTINGS_FIELDS)]
ENUM_LABELS = {"level": CENTRE_LEVELS, "kind": POST_KINDS}
# Where a problem about a field that has no column of its own is shown.
COLUMN_OF = {("posts", "holder_a"): "code", ("posts", "holder_b"): "code"}


def column_header(kind: str, field: str) -> str:
    """The column a problem about ``field`` of ``kind`` is reported in."""
    if kind in ("profile", "settings"):
        return "值"
    field = COLUMN_OF.get((kind, field), field)
    columns = SHEETS[kind][1]
    return next((h for h, f in columns if f == field), columns[0][0])


def _cell(field: str, value) -> str | int:
    if isinstance(value, bool):
        return ("在用" if value else "停用") if field == "active" else ("是" if value else "否")
    if field == "roles":
        return "、".join(ROLE_LABELS.get(r, r) for r in value)
    if isinstance(value, list):
        return "\n".join(value)
    if field in ENUM_LABELS:
        return ENUM_LABELS[field].get(value, value)
    return value


def write_org(state: OrgState, path: str | Path) -> None:
    """The organisation as a workbook that imports again unchanged (an empty state: the blank template)."""
    wb = Workbook()
    profile = wb.active
    profile.title = PROFILE_SHEET
    start_sheet(profile, ["项目", "值"])
    for label, key in PROFILE_ROWS:
        source = state.profile if key in PROFILE_FIELDS else state.settings
        put_row(profile, [label, _cell(key, source[key]) if key in source else ""])
    profile.column_dimensions["B"].width = 30
    for kind, (sheet, columns) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        start_sheet(ws, [h for h, _ in columns])
        for code, entity in sorted(state.of(kind).items()):
            row = {**entity, "code": code, "username": code}
            if kind == "staff":
                post, slot = state.post_of(code) or ("", "")
                row.update(post=post, slot=slot)
            put_row(ws, [_cell(field, row.get(field, "")) for _, field in columns])
    _write_help(wb.create_sheet(HELP_SHEET))
    wb.save(path)


HELP = [
    ("县区信息", "行政区划代码为 6 位数字，用于办件编号；办公时间写作 08:30-18:00；是/否 项填「是」或「否」；"
             "期限截至下班时间为「是」时，承诺期限届满于最后一个工作日的下班时间，否则为当日 24:00"),
    ("代码", "部门、乡镇、中心、岗位代码用小写字母、数字、- 或 _（如 scjgj、w01、d-scjgj），导入后不再更改；名称可随时修改，原名称保留在历史中"),
    ("部门", "职责用于热线工单智能分派：用顿号分隔关键词，如「营业执照、食品经营、消费投诉」"),
    ("乡镇", "村（社区）每行一个，或用顿号分隔"),
    ("服务中心", "层级：" + "、".join(CENTRE_LEVELS.values()) + "；县级中心只有一个；乡镇中心填所在乡镇代码；"
              "可受理事项填实施编码，每行一个，留空表示可受理本层级的全部事项"),
    ("窗口与岗位", "类型：" + "、".join(POST_KINDS.values()) + "；审批岗只属于一个部门；窗口岗可填多个部门（每行一个）；"
                "每个在用岗位须在「人员」表指定 A 岗人员，B 岗在 A 岗离岗时顶岗"),
    ("人员", "角色：" + "、".join(ROLE_LABELS[r] for r in sorted(COUNTY_ROLES)) + "（多个用顿号分隔）；"
           "岗位填岗位代码，AB岗填 A 或 B；窗口岗人员须为窗口人员且与岗位在同一中心，审批岗人员须为该部门的审批人员；"
           "新账号的初始密码由导入命令生成或指定"),
    ("状态", "在用 或 停用；停用不删除，历史办件仍显示原名称；有未办结任务的部门、岗位不能停用"),
    ("本表", "导入时忽略本表"),
]


def _write_help(ws) -> None:
    ws.append(["项目", "说明"])
    for row in HELP:
        ws.append(list(row))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 110
