"""A window clerk's, an approver's and an operator's day with the keyboard alone: Tab to reach a control, then
type, Space or Enter. No mouse, pointer, touch or wheel event reaches any page; a test fails if one does."""

from __future__ import annotations

import pytest

from tests.e2e.keyboard import PointerWatch, focused_text, keyboard_sign_in, keyboard_sign_out, open_menu, tab_to
from tests.integration.test_case_pipeline import staff, walk_in

APPLICANT = ("张晓东", "610924199001011233", "13800001234")
ITEMS = {  # kind: (what the clerk types, the item, the state after 登记并受理)
    "promised": ("个体工商户", "个体工商户设立登记", "审批中"),
    "immediate": ("结婚登记", "结婚登记", "已受理"),
    "joint": ("餐饮店", "开办餐饮店一件事", "审批中"),
    "report_up": ("林地", "使用林地审核", "审批中"),
}


@pytest.fixture
async def keyboard_page(page):
    watch = PointerWatch()
    await watch.install(page)
    yield page
    assert watch.events == [], f"pointer events reached the page: {watch.events}"


async def register_walk_in(page, kind: str) -> str:
    """Search the item, choose it, fill in the applicant, tick a material, then 登记并受理; returns the number."""
    words, item, state = ITEMS[kind]
    await tab_to(page, "#item-q")
    await page.keyboard.type(words)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"#item-results li:has-text('{item}') button")
    await tab_to(page, "#item-results button", item)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"[data-testid=chosen-item]:text-is('{item}')")
    assert await page.evaluate("document.activeElement.name") == "name"  # choosing moves focus to the form
    for value in APPLICANT:
        await page.keyboard.type(value)
        await page.keyboard.press("Tab")
    await tab_to(page, "#walkin-materials input[type=checkbox]")
    await page.keyboard.press("Space")
    await tab_to(page, "[data-register=accept]")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"[data-testid=new-state]:text('{state}')")
    assert "登记成功" in await focused_text(page)  # focus lands on the result
    return (await page.text_content("[data-testid=new-number]")).strip()


async def test_a_walk_in_is_registered_approved_and_delivered_with_the_keyboard_alone(keyboard_page, module_console):
    page, base = keyboard_page, module_console.base_url
    await keyboard_sign_in(page, base, "clerk_a")
    await open_menu(page, "窗口受理")
    number = await register_walk_in(page, "promised")
    await keyboard_sign_out(page, base)

    await keyboard_sign_in(page, base, "scjgj_a")
    await open_menu(page, "审批任务")
    await page.wait_for_selector(f"#task-table tr[data-number='{number}']")
    await tab_to(page, "#task-table a.button", number)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=case-state]:text('审批中')")
    await tab_to(page, "form[data-block=decision] textarea[name=text]")
    await page.keyboard.type("材料齐全，符合条件")
    await tab_to(page, "form[data-block=decision] button", "同意")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=case-state]:text('准予办理')")
    assert "已同意" in await focused_text(page)  # the outcome is announced where focus now is
    assert "材料齐全，符合条件" in await page.text_content("#case-tasks")
    await keyboard_sign_out(page, base)

    await keyboard_sign_in(page, base, "clerk_a")
    await open_menu(page, "办件查询")
    await tab_to(page, "#lookup input[name=number]")
    await page.keyboard.type(number)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"[data-testid=case-number]:text('{number}')")
    await tab_to(page, "form[data-block=confirm] input[name=received_by]")
    await page.keyboard.type(APPLICANT[0])
    await tab_to(page, "form[data-block=confirm] button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=case-state]:text('已办结')")


async def test_every_kind_of_item_is_taken_in_at_the_window_and_an_immediate_one_decided_on_the_spot(
        keyboard_page, module_console):
    page, base = keyboard_page, module_console.base_url
    await keyboard_sign_in(page, base, "clerk_a")
    await open_menu(page, "窗口受理")
    numbers = {}
    for kind in ("joint", "report_up", "immediate"):
        numbers[kind] = await register_walk_in(page, kind)
        if kind != "immediate":
            await tab_to(page, "#walkin-new")
            await page.keyboard.press("Enter")
            assert await page.evaluate("document.activeElement.id") == "item-q"
    await tab_to(page, "#walkin-actions form[data-block=decide] button", "准予办理")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=new-state]:text('准予办理')")
    assert len(set(numbers.values())) == 3


async def test_the_queue_is_worked_with_the_keyboard_accepting_one_and_asking_another_for_materials(
        keyboard_page, module_console):
    page, base = keyboard_page, module_console.base_url
    clerk = await staff(module_console, "clerk_a")
    first = (await walk_in(module_console, clerk, "个体工商户设立登记", accept=False))["number"]
    second = (await walk_in(module_console, clerk, "个体工商户设立登记", accept=False))["number"]
    await keyboard_sign_in(page, base, "clerk_a")
    await open_menu(page, "窗口受理")
    await page.wait_for_selector(f"#intake-queue tr[data-number='{second}']")
    await tab_to(page, "#intake-queue [data-do=accept]", first)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"#flash.ok:has-text('{first}')")
    assert first in await focused_text(page)

    await tab_to(page, "#intake-queue [data-do=supplement]", second)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#intake-queue form[data-block=supplement] input[name=material]")
    assert await page.evaluate("document.activeElement.name") == "material"  # focus moves into the opened form
    await tab_to(page, "form[data-block=supplement] textarea[name=other]")
    await page.keyboard.type("经营场所照片")
    await tab_to(page, "form[data-block=supplement] button", "一次性告知补正")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#flash.ok:has-text('已一次性告知补正材料')")
    await page.wait_for_selector(f"#intake-queue tr[data-number='{second}'] :text('待补正')")


async def test_an_operator_registers_and_dispatches_a_hotline_ticket_with_the_keyboard_alone(
        keyboard_page, module_console):
    page, base = keyboard_page, module_console.base_url
    await keyboard_sign_in(page, base, "operator")
    await open_menu(page, "热线工单")
    await page.wait_for_selector("#department option[value=cgj]", state="attached")
    await tab_to(page, "#caller_phone")
    await page.keyboard.type("13800005678")
    await tab_to(page, "#type")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")  # 咨询 → 求助 → 投诉
    assert await page.input_value("#type") == "complaint"
    await tab_to(page, "#content")
    await page.keyboard.type("城关镇新华街的路灯坏了一个星期都不亮，晚上走路很危险")
    await page.wait_for_selector("[data-testid=suggestion]")
    await tab_to(page, "[data-do=dispatch]")
    await page.keyboard.press("Enter")  # no department yet: the error is tied to the field and focus goes there
    assert await page.evaluate("document.activeElement.id") == "department"
    assert await page.get_attribute("#department", "aria-invalid") == "true"
    await tab_to(page, "[data-accept-suggestion]", back=True)
    await page.keyboard.press("Enter")
    assert await page.input_value("#department") == "cgj"
    await tab_to(page, "[data-do=dispatch]")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=ticket-state]:text('已派单')")
    assert await page.text_content("[data-testid=ticket-target]") == "紫阳县城市管理执法局"
    assert await page.get_attribute("#department", "aria-invalid") is None
