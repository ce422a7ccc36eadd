"""Pasting a screenshot in a real browser: a PNG file is put on a clipboard event (a
DataTransfer, as the browser gives a pasted image), the Markdown appears at the cursor,
the Write / Preview switch shows the server's rendering with the image, and the posted
message carries the file as an attachment."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets.models import Attachment, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_B64 = base64.b64encode(factories.png_bytes(320, 120)).decode()
# The README's picture of the preview (docs/screenshots/), taken here from this test.
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "paste-preview.png"

PASTE = """([selector, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const file = new File([bytes], "image.png", { type: "image/png" });
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const box = document.querySelector(selector);
  box.focus();
  box.dispatchEvent(new ClipboardEvent("paste", {
    clipboardData: transfer, bubbles: true, cancelable: true,
  }));
}"""


def paste_png(page: Page, selector: str) -> None:
    page.evaluate(PASTE, [selector, PNG_B64])


def image_loaded(page: Page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth === 320")


def test_customer_pastes_a_screenshot_into_a_new_ticket_and_previews_it(page, personas, contracts):
    page.set_default_timeout(30_000)  # a busy machine: the upload and the preview wait on it
    sign_in(page, personas.user_a)
    page.goto("/tickets/new/")
    page.get_by_label("S2 major").check()
    page.get_by_label("Title").fill("Invoice screen shows an error")
    description = page.get_by_label("Description")
    description.fill("The screen says:")
    description.press("End")
    paste_png(page, "#id_description")

    expect(description).to_have_value(
        re.compile(r"^The screen says:\n\n!\[image\.png\]\(/tickets/files/[0-9a-f-]{36}/\)\n$")
    )
    expect(page.get_by_role("status").filter(has_text="image.png is attached.")).to_be_visible()
    assert_accessible(page)

    # Keyboard: from the Write tab, the right arrow opens the preview.
    page.get_by_role("tab", name="Write").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Preview")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_text("The screen says:")).to_be_visible()
    expect(panel.get_by_role("img", name="image.png")).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('.markdown-preview img');"
        " return i && i.complete && i.naturalWidth === 320; }"
    )
    assert_accessible(page)
    # caret="initial": hiding the caret leaves style attributes that the CSP reports.
    page.locator("#div_id_description").screenshot(path=str(SCREENSHOT), caret="initial")
    page.keyboard.press("ArrowLeft")
    expect(description).to_be_visible()

    page.get_by_label("Product and version").select_option(label="Ledgerline ERP 8.1")
    page.get_by_role("button", name="Log the ticket").click()
    expect(page.get_by_text("is logged.")).to_be_visible()
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.filename, attachment.reply_id, attachment.token is not None) == (
        "image.png",
        None,
        True,
    )
    expect(page.get_by_role("link", name="image.png")).to_be_visible()  # the attachments list
    page.wait_for_function(
        "() => { const i = document.querySelector('.markdown img');"
        " return i && i.complete && i.naturalWidth === 320; }"
    )


def test_agent_pastes_a_screenshot_into_a_reply_previews_and_sends_it(page, personas, make_ticket):
    ticket = make_ticket(title="Payroll export rejected")
    page.set_default_timeout(30_000)
    sign_in(page, personas.agent)
    page.goto(f"/tickets/{ticket.reference}/")
    message = page.get_by_label("Reply to the customer or add a note")
    message.fill("Please compare with **this**:")
    message.press("End")
    paste_png(page, "#reply-body")
    expect(message).to_have_value(
        re.compile(r"\*\*this\*\*:\n\n!\[image\.png\]\(/tickets/files/[0-9a-f-]{36}/\)")
    )

    page.get_by_role("tab", name="Preview").click()
    preview = page.locator(".markdown-preview")
    expect(preview.locator("strong")).to_have_text("this")
    expect(preview.get_by_role("img", name="image.png")).to_be_visible()
    assert_accessible(page)

    # Sending from the preview: the message is sent as written.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Reply sent")).to_be_visible()
    reply = ticket.replies.get()
    attachment = reply.attachments.get()
    assert attachment.filename == "image.png"
    assert f"/tickets/files/{attachment.token}/" in reply.body
    page.wait_for_function(
        "() => [...document.querySelectorAll('.markdown img')]"
        ".some(i => i.complete && i.naturalWidth === 320)"
    )


def test_on_a_phone_the_switch_and_the_insert_button_fit_and_work(page, personas, make_ticket):
    ticket = make_ticket(requester=personas.user_a)
    page.set_viewport_size({"width": 375, "height": 740})
    page.set_default_timeout(30_000)
    sign_in(page, personas.user_a)
    page.goto(f"/tickets/{ticket.reference}/")
    page.get_by_label("Reply", exact=True).fill("Hello")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Insert a file").click()
    chooser.value.set_files(
        files=[{"name": "phone.png", "mimeType": "image/png", "buffer": factories.png_bytes()}]
    )
    expect(page.get_by_label("Reply", exact=True)).to_have_value(
        re.compile(r"Hello\n\n!\[phone\.png\]\(/tickets/files/")
    )
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator(".markdown-preview").get_by_role("img", name="phone.png")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert_accessible(page)
