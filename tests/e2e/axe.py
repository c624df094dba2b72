"""axe-core (installed by npm into backend/console/node_modules) run inside a Playwright page.

Only the WCAG 2.0 and 2.1 level A and AA rules run; a page passes when axe finds no violation of
serious or critical impact. Findings are kept per page so a failure names the page, the rule and
the first elements it caught.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.console.handlers import CONSOLE_DIR

AXE_SCRIPT = CONSOLE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


async def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 AA violations on the page as it is now."""
    if not AXE_SCRIPT.exists():
        raise AssertionError("axe-core is missing: run ./scripts/setup (npm ci in backend/console)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))  # not a <script> tag: the page's CSP stays on
    result = await page.evaluate(
        "options => window.axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}, "resultTypes": ["violations"]})
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
    return f"{violation['id']} ({violation['impact']}) x{len(violation['nodes'])}: {violation['help']} [{targets}]"


@dataclass
class Sweep:
    """Findings of an accessibility sweep, one entry per page state visited."""

    visited: list[str] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)

    async def check(self, page, name: str) -> None:
        self.visited.append(name)
        found = await axe_violations(page)
        if found:
            self.findings[name] = [describe(v) for v in found]

    def report(self) -> str:
        lines = [f"{len(self.findings)} of {len(self.visited)} page states have serious or critical violations:"]
        for name, problems in self.findings.items():
            lines.append(f"  {name}")
            lines.extend(f"    - {p}" for p in problems)
        return "\n".join(lines)
