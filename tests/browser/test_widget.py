"""The widget in a real browser (Debian's chromium) against a real `footnote serve`."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Served

pytestmark = pytest.mark.slow

SHADOW_HOST = "footnote-chat, [data-footnote]"


def ask(page: Any, question: str) -> None:
    box = page.get_by_role("textbox", name="Ask a question")
    box.fill(question)
    box.press("Enter")


def last_answer(page: Any) -> Any:
    bubble = page.locator(".msg.bot").last
    expect(bubble).not_to_have_attribute("aria-busy", "true")
    return bubble


def check_citation(page: Any, served: Served, bubble: Any, citation: dict[str, Any]) -> None:
    """Click chip n: the exact quote is highlighted in its paragraph, with title, date and file."""
    bubble.locator(f"[data-citation='{citation['id']}']").click()
    source = bubble.locator(".source")
    mark = source.locator("mark")
    expect(mark).to_be_visible()
    expect(mark).to_have_text(citation["quote"], use_inner_text=False)
    doc = served.get(f"/v1/sources/{citation['source']}").json()
    caption = source.locator("figcaption")
    expect(caption).to_contain_text(doc["name"])
    expect(caption).to_contain_text(doc["published"] or "undated")
    if doc["title"]:
        expect(caption).to_contain_text(doc["title"])
    paragraph = source.locator("p").text_content()
    assert citation["quote"] in paragraph and paragraph in doc["text"]


def test_ask__streams_an_answer_with_chips_and_click_shows_the_highlighted_span(
    page: Any, served: Served
) -> None:
    question = "What troop strength is the Bundeswehr aiming for?"
    truth = served.post("/v1/ask", json={"question": question}).json()
    page.goto(f"{served.api}/")
    with page.expect_response(lambda r: r.url.endswith("/v1/ask/stream")) as response:
        ask(page, question)
    assert response.value.headers["content-type"].startswith("text/event-stream")
    bubble = last_answer(page)
    chips = bubble.locator("[data-citation]")
    expect(chips).to_have_count(len(truth["citations"]))
    assert bubble.locator(".text").text_content() == truth["answer"]
    for citation in truth["citations"]:
        check_citation(page, served, bubble, citation)
    assert page.page_errors == []


def test_ask__the_phrase_that_answers_is_set_apart_inside_the_highlighted_quote(
    page: Any, served: Served
) -> None:
    question = "How many soldiers is the Bundeswehr's troop strength now?"
    truth = served.post("/v1/ask", json={"question": question}).json()
    marked = [c for c in truth["citations"] if c["highlight"]]
    assert marked
    page.goto(f"{served.api}/")
    ask(page, question)
    bubble = last_answer(page)
    for citation in marked:
        check_citation(page, served, bubble, citation)  # the whole quote is still the mark's text
        doc = served.get(f"/v1/sources/{citation['source']}").json()
        h = citation["highlight"]
        expect(bubble.locator(".source mark strong.answer")).to_have_text(doc["text"][h["start"] : h["end"]])
    assert page.page_errors == []


def test_demo_page__works_with_the_key_set_by_its_own_session_cookie(page: Any, served: Served) -> None:
    # the key is set and the demo page holds no secret: its signed, HttpOnly session lets it in
    assert httpx.post(f"{served.api}/v1/ask", json={"question": "x?"}, timeout=30).status_code == 401
    forged = {"Origin": served.api}  # a script claiming to be the demo page is not let in
    assert httpx.get(f"{served.api}/v1/sources", headers=forged, timeout=30).status_code == 401
    page.goto(f"{served.api}/")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "footnote_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/v1"
    ask(page, "What share of Germans think the EU should not admit Ukraine?")
    bubble = last_answer(page)
    expect(bubble.locator("[data-citation='1']")).to_be_visible()
    bubble.locator("[data-citation='1']").click()  # a same-origin GET with no Origin header
    expect(bubble.locator(".source mark")).to_be_visible()
    expect(bubble).not_to_contain_text("API key")
    assert page.page_errors == []


def test_abstention__looks_like_one_and_shows_the_reason(page: Any, served: Served) -> None:
    question = "What did Angela Merkel say about the Minsk agreements?"
    truth = served.post("/v1/ask", json={"question": question}).json()
    assert truth["abstained"]
    page.goto(f"{served.api}/")
    ask(page, question)
    bubble = last_answer(page)
    expect(bubble).to_have_class(re.compile(r"\babstain\b"))
    expect(bubble.locator("strong")).to_have_text("The sources don't say.")
    expect(bubble).to_contain_text(truth["reason"])
    expect(bubble.locator("[data-citation]")).to_have_count(0)


def test_follow_up__sends_the_conversation_and_answers_the_standalone_question(
    page: Any, served: Served
) -> None:
    page.goto(f"{served.api}/")
    ask(page, "What did the Bertelsmann poll find?")
    last_answer(page)
    with page.expect_request(lambda r: r.url.endswith("/v1/ask/stream")) as request:
        ask(page, "How many people took part in it?")
    sent = request.value.post_data_json
    assert [t["role"] for t in sent["history"]] == ["user", "assistant"]
    assert sent["history"][0]["content"] == "What did the Bertelsmann poll find?"
    bubble = last_answer(page)
    truth = served.post("/v1/ask", json=sent).json()
    assert not truth["abstained"] and "Bertelsmann" in truth["standalone_question"]
    expect(bubble.locator(".note")).to_have_text(f"Answered as: {truth['standalone_question']}")
    assert bubble.locator(".text").text_content() == truth["answer"]
    check_citation(page, served, bubble, truth["citations"][0])
    # "New chat" forgets the conversation: the same follow-up goes out alone
    page.get_by_role("button", name="New chat").click()
    expect(page.locator(".msg")).to_have_count(0)
    with page.expect_request(lambda r: r.url.endswith("/v1/ask/stream")) as request:
        ask(page, "How many people took part in it?")
    assert request.value.post_data_json["history"] == []
    last_answer(page)


def test_embed__one_tag_on_an_allowed_origin_works(page: Any, served: Served) -> None:
    page.goto(served.allowed_site)
    launcher = page.get_by_role("button", name="Ask the sources")
    launcher.click()
    ask(page, "How many soldiers could a UN peacekeeping mission include?")
    bubble = last_answer(page)
    expect(bubble.locator("[data-citation='1']")).to_be_visible()
    body = served.post(
        "/v1/ask", json={"question": "How many soldiers could a UN peacekeeping mission include?"}
    ).json()
    check_citation(page, served, bubble, body["citations"][0])
    assert page.page_errors == []


def test_embed__a_page_on_another_origin_is_refused_politely(page: Any, served: Served) -> None:
    page.goto(served.refused_site)
    page.get_by_role("button", name="Ask the sources").click()
    ask(page, "How many soldiers could a UN peacekeeping mission include?")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("could not be reached")
    expect(alert.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.locator("[data-citation]")).to_have_count(0)
    # and the service itself refuses the origin, should a request get through
    r = served.post("/v1/ask", json={"question": "x?"}, headers={"Origin": served.refused_site})
    assert r.status_code == 403


def test_xss__source_markup_shows_as_text_and_runs_nothing(page: Any, served: Served) -> None:
    page.goto(served.allowed_site)  # a page without our CSP: only the widget's own care protects it
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    page.get_by_role("button", name="Ask the sources").click()
    for question, literal in [
        ("What did delegates paste into the Harbour Accord minutes?", "<img src=x onerror="),
        ("Which tag do the Harbour Accord minutes quote?", "<script>window.__footnoteXss"),
    ]:
        truth = served.post("/v1/ask", json={"question": question}).json()
        assert not truth["abstained"] and literal in truth["answer"]
        ask(page, question)
        bubble = last_answer(page)
        expect(bubble.locator(".text")).to_contain_text(literal)
        check_citation(page, served, bubble, truth["citations"][0])
        expect(bubble.locator("mark")).to_contain_text(literal)
    injected = page.evaluate(
        "() => [window.__footnoteXss, document.querySelector('[data-footnote]').shadowRoot"
        ".querySelectorAll('img, script, iframe').length]"
    )
    assert injected == [None, 0]
    assert page.page_errors == []


def test_small_screen__usable_at_375px(page: Any, served: Served) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    for url in (f"{served.api}/", served.allowed_site):
        page.goto(url)
        if url == served.allowed_site:
            page.get_by_role("button", name="Ask the sources").click()
        ask(page, "What troop strength is the Bundeswehr aiming for?")
        bubble = last_answer(page)
        bubble.locator("[data-citation='1']").click()
        mark = bubble.locator("mark")
        expect(mark).to_be_visible()
        for locator in (page.get_by_role("textbox", name="Ask a question"), mark):
            box = locator.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (url, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def _focused(page: Any) -> dict[str, Any]:
    return json.loads(
        page.evaluate(
            "() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement)"
            " a = a.shadowRoot.activeElement;"
            " return JSON.stringify({label: a.getAttribute('aria-label'), citation: a.dataset.citation,"
            " cls: a.className}); }"
        )
    )


def test_keyboard__ask_open_a_citation_and_close_it_without_a_mouse(page: Any, served: Served) -> None:
    page.goto(f"{served.api}/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if _focused(page)["label"] == "Ask a question":
            break
    else:
        pytest.fail("Tab never reached the textbox")
    page.keyboard.type("What troop strength is the Bundeswehr aiming for?")
    page.keyboard.press("Enter")
    last_answer(page)
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if _focused(page)["citation"]:
            break
    else:
        pytest.fail("Shift+Tab never reached a citation chip")
    chip = _focused(page)["citation"]
    page.keyboard.press("Enter")
    expect(page.locator(".source mark")).to_be_visible()
    assert "source" in _focused(page)["cls"]  # focus moved to the passage
    page.keyboard.press("Escape")
    expect(page.locator(".source")).to_have_count(0)
    assert _focused(page)["citation"] == chip  # and back to the chip


def test_errors__shown_politely_with_a_retry_that_works(page: Any, served: Served) -> None:
    page.goto(f"{served.api}/")
    page.route(
        "**/v1/ask/stream",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "7", "Content-Type": "application/json"},
            body='{"detail": "too many requests"}',
        ),
    )
    ask(page, "What troop strength is the Bundeswehr aiming for?")
    expect(page.get_by_role("alert")).to_contain_text("please wait 7 s and retry")
    page.unroute("**/v1/ask/stream")
    page.route("**/v1/ask/stream", lambda route: route.abort("connectionrefused"))
    page.get_by_role("alert").get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert")).to_contain_text("could not be reached")
    page.unroute("**/v1/ask/stream")
    page.get_by_role("alert").get_by_role("button", name="Retry").click()
    bubble = last_answer(page)
    expect(bubble.locator("[data-citation='1']")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
