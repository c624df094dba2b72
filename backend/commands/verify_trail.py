"""`python -m backend verify-trail [--tenant T]`: check every case trail and the checkpoint chain.

Recomputes each case's hash chain from ``case_steps`` (the authority), checks the snapshot in
``cases`` against it, and checks the tenant's checkpoints (监察存证点). Prints the findings in
Chinese, naming the case and the event seq; exit code 0 when intact, 1 when anything is wrong.
A snapshot left behind its steps by a crash is a remnant, not tampering: it is listed apart, and
``--repair`` rebuilds it from the steps. Without ``--tenant`` every tenant in the store is checked.
"""

from __future__ import annotations

NAME = "verify-trail"
HELP = "校验办件记录链是否被篡改 / verify the tamper-evident case trails"


def add_arguments(parser) -> None:
    parser.add_argument("--tenant", default=None, help="只校验该县区（默认全部县区）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    parser.add_argument("--repair", action="store_true", help="按办件记录修复写入中断留下的快照残留")


def run(args, settings) -> int:
    import json

    from backend.commands import with_store
    from backend.json_text import to_json
    from backend.services import trail_check

    results = []

    async def work(svc) -> int:
        tenants = [args.tenant] if args.tenant else [d["_id"] async for d in svc.db.tenants.find({}, {"_id": 1})]
        for tenant in tenants or [settings.default_tenant]:
            results.append(await trail_check.verify_tenant(svc, tenant, repair=args.repair))
        return 0

    with_store(settings, work)
    if args.json:
        print(json.dumps(json.loads(to_json(results)), ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(trail_check.report_zh(result) for result in results))
    return 0 if all(result["ok"] for result in results) else 1
