"""Driving the console the way a keyboard-only user does: Tab to a control, then type or press a key.

``tab_to`` presses Tab (never jumps focus) until the wanted control has focus, so a test that uses it
also proves the control is reachable in tab order and shows a visible focus ring (WCAG 2.4.7). ``PointerWatch`` fails a test that produced any
mouse, pointer, touch or wheel event in the page.
"""

from __future__ import annotations

POINTER_EVENTS = ["mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "wheel", "dblclick", "contextmenu"]
WATCH_SCRIPT = """
for (const type of %s) {
  addEventListener(type, event => window.reportPointerEvent(`${type} on ${event.target.tagName}`), true);
}
""" % POINTER_EVENTS

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0;
}"""
FOCUS_MATCHES = """([selector, text]) => {
  const el = document.activeElement;
  if (!el || !el.matches(selector)) return false;
  const around = el.closest('li, tr, form, .call-card, .kb-hit') || el;
  return !text || el.textContent.includes(text) || around.textContent.includes(text);
}"""


class PointerWatch:
    """Records every pointer-device event in the page (across navigations)."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def install(self, page) -> None:
        await page.expose_function("reportPointerEvent", lambda what: self.events.append(what))
        await page.add_init_script(WATCH_SCRIPT)


async def tab_to(page, selector: str, text: str | None = None, limit: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until the focused element matches ``selector`` and, if given,
    shows or sits beside ``text``."""
    for _ in range(limit):
        await page.keyboard.press("Shift+Tab" if back else "Tab")
        if await page.evaluate(FOCUS_MATCHES, [selector, text]):
            ring = await page.evaluate(FOCUS_RING)
            assert ring >= 2, f"{selector} has focus but no visible focus ring"
            return
    raise AssertionError(f"{selector} {text or ''} cannot be reached with the Tab key")


async def focused_text(page) -> str:
    return await page.evaluate("(document.activeElement && document.activeElement.textContent) || ''")


async def keyboard_sign_in(page, base_url: str, username: str, password: str = "sunshine365") -> None:
    await page.goto(base_url + "/console/login")
    await tab_to(page, "input[name=username]")
    await page.keyboard.type(username)
    await page.keyboard.press("Tab")
    await page.keyboard.type(password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(base_url + "/console/")


async def keyboard_sign_out(page, base_url: str) -> None:
    await tab_to(page, "#logout")
    await page.keyboard.press("Enter")
    await page.wait_for_url(base_url + "/console/login")


async def open_menu(page, label: str) -> None:
    """Follow a side-menu entry with Tab and Enter."""
    await tab_to(page, "nav.sidenav a", label)
    await page.keyboard.press("Enter")
    await page.wait_for_load_state("networkidle")
