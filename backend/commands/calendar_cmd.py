"""`python -m backend calendar status|add-day|import`: keep the tenant's working calendar (工作日历).

* ``status``: the last covered year and a warning when this or next year is not yet imported;
* ``add-day DATE --working|--holiday --note TEXT``: a local working day or day off (本地调整);
* ``import FILE.json --year YYYY``: the State Council notice (国务院节假日安排) for a year, as a JSON
  list of rows ``{"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"}``
  (or an object with ``rows``). Every change is written to the audit log as actor ``cli``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

NAME = "calendar"
HELP = "工作日历：查看、本地调整、导入节假日安排 / the working calendar"


def add_arguments(parser) -> None:
    parser.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
    actions = parser.add_subparsers(dest="calendar_action", metavar="ACTION", required=True)
    actions.add_parser("status", help="覆盖年份与提醒")
    add_day = actions.add_parser("add-day", help="添加本地调整日")
    add_day.add_argument("date", help="日期 YYYY-MM-DD")
    kind = add_day.add_mutually_exclusive_group(required=True)
    kind.add_argument("--working", dest="working", action="store_true", help="本地调整上班")
    kind.add_argument("--holiday", dest="working", action="store_false", help="本地放假")
    add_day.add_argument("--note", required=True, help="原因，如“县庆放假”")
    imported = actions.add_parser("import", help="导入国务院节假日安排（JSON）")
    imported.add_argument("file", help="JSON 文件")
    imported.add_argument("--year", required=True, type=int, help="年份")


def _read_rows(path: str) -> list:
    from backend.domain.errors import ValidationFailed

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationFailed(f"无法读取文件：{path}（{exc.strerror}）", code="file_unreadable") from None
    except ValueError:
        raise ValidationFailed(f"文件不是有效的 JSON：{path}", code="invalid_json") from None
    return data.get("rows") if isinstance(data, dict) else data


def _parse_day(text: str) -> date:
    from backend.domain.errors import ValidationFailed

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"日期格式不正确：{text}（应为 YYYY-MM-DD）", code="invalid_date") from None


async def _status(svc, tenant: str, args) -> None:
    from backend.domain.clock import to_shanghai
    from backend.services.calendar import calendar_status

    status = await calendar_status(svc, tenant, to_shanghai(svc.now()).date())
    print(f"县区 {tenant} 的工作日历已覆盖至 {status['covered_through']} 年")
    if status["provisional_warning"]:
        print(f"提醒：{status['provisional_warning']}")


async def _add_day(svc, tenant: str, args) -> None:
    from backend.services.calendar import add_local_day

    day = await add_local_day(svc, tenant, _parse_day(args.date), args.working, args.note, actor="cli")
    kind = "本地调整上班" if day["working"] else "本地放假"
    print(f"已添加 {day['date']}：{kind}（{day['note']}），县区 {tenant}")


async def _import(svc, tenant: str, args) -> None:
    from backend.services.calendar import import_notice

    result = await import_notice(svc, tenant, args.year, _read_rows(args.file), actor="cli")
    print(f"已导入 {result['year']} 年节假日安排：{result['rows']} 行，{result['days']} 天，县区 {tenant}")


ACTIONS = {"status": _status, "add-day": _add_day, "import": _import}


def run(args, settings) -> int:
    from backend.commands import with_store
    from backend.domain.errors import DomainError

    tenant = args.tenant or settings.default_tenant
    action = ACTIONS[args.calendar_action]

    async def work(svc):
        try:
            await action(svc, tenant, args)
        except DomainError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            return 2
        return 0

    return with_store(settings, work)
