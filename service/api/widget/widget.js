/* footnote chat widget.
 *
 * Embed with exactly one tag:  <script src="https://YOUR-FOOTNOTE-HOST/widget.js" defer></script>
 * The API is the origin of this script's own src. The widget renders inline into every
 * <footnote-chat> element on the page, or, when there is none, mounts a launcher button that
 * opens a chat panel. Its styles live in a shadow root, so the page and the widget don't
 * restyle each other. It holds no secret; all text from the service (answers, reasons, source
 * passages) is inserted as text nodes, never parsed as HTML. Plain JavaScript, no build step.
 */
(() => {
  "use strict";
  if (window.__footnoteWidget) return; // the tag pasted twice: mount once
  const script =
    document.currentScript ||
    [...document.querySelectorAll("script[src]")].find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) return;
  window.__footnoteWidget = true;
  const API = new URL(script.src, location.href).origin;
  const MAX_HISTORY = 20; // turns sent with a follow-up
  const MAX_TURN_CHARS = 2000; // keeps a long conversation well inside the API's 64 kB body limit

  const CSS = `
    :host { all: initial; display: block; }
    * { box-sizing: border-box; }
    .fn { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
          background: #fff; border: 1px solid #d0d7de; border-radius: 12px; display: flex; flex-direction: column;
          min-height: 320px; max-height: 640px; height: 100%; overflow: hidden; }
    header { padding: 10px 14px; border-bottom: 1px solid #d0d7de; display: flex; align-items: center; gap: 8px; }
    header h2 { font-size: 15px; margin: 0; flex: 1; }
    header small { color: #57606a; }
    button.new { font: inherit; font-size: 13px; padding: 2px 8px; border: 1px solid #d0d7de; border-radius: 6px;
                 background: #fff; color: #1b1f24; cursor: pointer; white-space: nowrap; }
    header h2 { white-space: nowrap; }
    @media (max-width: 480px) { header small { display: none; } }
    .log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
    .msg { max-width: 100%; padding: 8px 12px; border-radius: 10px; overflow-wrap: anywhere; }
    .user { align-self: flex-end; background: #ddf4ff; max-width: 85%; }
    .bot { align-self: stretch; background: #f6f8fa; }
    .bot[aria-busy="true"] .text:empty::after { content: "Looking in the sources…"; color: #57606a; }
    .abstain { background: #fff8c5; border: 1px solid #d4a72c; }
    .abstain strong { display: block; }
    .error { background: #ffebe9; border: 1px solid #ff8182; }
    .note { display: block; color: #57606a; font-size: 13px; margin-top: 4px; }
    .chip { font: inherit; font-size: 12px; line-height: 1; padding: 2px 5px; margin: 0 1px; border-radius: 6px;
            border: 1px solid #0969da; background: #fff; color: #0969da; cursor: pointer; vertical-align: 1px; }
    .chip[aria-pressed="true"] { background: #0969da; color: #fff; }
    .source { margin: 8px 0 0; padding: 8px 10px; background: #fff; border: 1px solid #d0d7de; border-radius: 8px; }
    .source:focus { outline: 2px solid #0969da; outline-offset: 1px; }
    .source .row { display: flex; gap: 8px; align-items: flex-start; }
    .source .title { font-weight: 600; flex: 1; }
    .source .where { color: #57606a; font-size: 13px; }
    .source p { margin: 6px 0 0; max-height: 220px; overflow-y: auto; white-space: pre-wrap; }
    mark { background: #fff3a3; color: inherit; padding: 0 1px; border-radius: 2px; }
    mark .answer { font-weight: 600; text-decoration: underline; text-decoration-thickness: 2px; }
    form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #d0d7de; }
    input { flex: 1; min-width: 0; font: inherit; padding: 8px 10px; border: 1px solid #8c959f; border-radius: 8px; }
    button.send, button.retry, button.close, .launcher { font: inherit; border-radius: 8px; cursor: pointer; }
    button.send { padding: 8px 14px; border: 0; background: #0969da; color: #fff; }
    button.send:disabled { background: #8c959f; cursor: default; }
    button.retry { margin-top: 6px; padding: 4px 10px; border: 1px solid #cf222e; background: #fff; color: #cf222e; }
    button.close { border: 0; background: none; font-size: 18px; line-height: 1; padding: 2px 6px; color: #57606a; }
    :focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
    .launcher { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; padding: 10px 16px; border: 0;
                background: #0969da; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
    .panel { position: fixed; right: 12px; bottom: 68px; z-index: 2147483000; width: min(400px, calc(100vw - 24px));
             height: min(600px, calc(100vh - 88px)); box-shadow: 0 8px 28px rgba(0,0,0,.25); border-radius: 12px; }
    .panel[hidden] { display: none; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  /* el("p", {class: "x"}, "text", child): strings become text nodes, never markup. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  /* The quote, with the phrase that answers (citation.highlight, source offsets) set apart. */
  function quoteParts(citation) {
    const h = citation.highlight;
    if (!h || h.start < citation.start || h.end > citation.end || h.start >= h.end) return [citation.quote];
    const a = h.start - citation.start, b = h.end - citation.start;
    const q = citation.quote;
    return [q.slice(0, a), el("strong", { class: "answer" }, q.slice(a, b)), q.slice(b)];
  }

  /* Server-sent events from a fetch() body (EventSource cannot POST). */
  async function* readEvents(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let boundary;
      while ((boundary = /\r\n\r\n|\n\n|\r\r/.exec(buffer))) {
        const block = buffer.slice(0, boundary.index);
        buffer = buffer.slice(boundary.index + boundary[0].length);
        let event = "message";
        const data = [];
        for (const line of block.split(/\r\n|\n|\r/)) {
          if (!line || line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? "" : line.slice(colon + 1);
          if (val.startsWith(" ")) val = val.slice(1);
          if (field === "event") event = val;
          else if (field === "data") data.push(val);
        }
        if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
      }
    }
  }

  class HttpError extends Error {
    constructor(status, detail, retryAfter) {
      super(detail);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  async function failure(response) {
    let detail = response.statusText || "request failed";
    try {
      const body = await response.json();
      if (body && typeof body.detail === "string") detail = body.detail;
    } catch (_) {
      /* not JSON: keep the status text */
    }
    return new HttpError(response.status, detail, response.headers.get("Retry-After"));
  }

  function politely(error) {
    if (!(error instanceof HttpError)) return "Sorry — footnote could not be reached. Check your connection and retry.";
    if (error.status === 429)
      return `Too many questions at once — please wait${error.retryAfter ? ` ${error.retryAfter} s` : ""} and retry.`;
    if (error.status === 503) return `footnote is not ready yet (${error.message}). Please retry in a moment.`;
    if (error.status >= 500) return "Sorry — footnote had a problem answering. Please retry.";
    return `footnote could not take that question: ${error.message}`;
  }

  /* One chat: a log, a textbox, the conversation so far. */
  class Chat {
    constructor(root) {
      this.turns = [];
      this.sources = new Map(); // file name -> Promise of the document
      this.busy = false;
      root.append(el("style", {}, CSS));
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
      this.input = el("input", {
        type: "text",
        "aria-label": "Ask a question",
        placeholder: "Ask a question about the articles…",
        maxlength: "2000",
        autocomplete: "off",
      });
      this.send = el("button", { type: "submit", class: "send" }, "Ask");
      const form = el("form", { onsubmit: (e) => (e.preventDefault(), this.ask(this.input.value)) }, this.input, this.send);
      const reset = el("button", { type: "button", class: "new", title: "Start a new conversation" }, "New chat");
      reset.addEventListener("click", () => this.reset());
      this.header = el("header", {}, el("h2", {}, "Ask the sources"), el("small", {}, "every sentence cited"), reset);
      this.frame = el("div", { class: "fn" }, this.header, this.log, form);
      root.append(this.frame);
    }

    /* Forget the conversation: the next question is asked on its own. */
    reset() {
      if (this.busy) return;
      this.turns = [];
      this.log.replaceChildren();
      this.input.focus();
    }

    ask(raw) {
      const question = raw.trim();
      if (!question || this.busy) return;
      this.input.value = "";
      this.log.append(el("div", { class: "msg user" }, question));
      this.run(question, this.turns.slice(-MAX_HISTORY));
    }

    async run(question, history) {
      this.busy = true;
      this.send.disabled = true;
      const bubble = el("div", { class: "msg bot", "aria-busy": "true" });
      const text = el("div", { class: "text" });
      bubble.append(text);
      this.log.append(bubble);
      this.scroll();
      const citations = new Map();
      let answerText = "";
      try {
        const response = await fetch(`${API}/v1/ask/stream`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify({ question, history }),
        });
        if (!response.ok) throw await failure(response);
        let finished = false;
        for await (const { event, data } of readEvents(response)) {
          if (event === "citation") citations.set(data.id, data);
          else if (event === "delta") {
            answerText += data.text;
            this.renderText(text, answerText, citations);
          } else if (event === "done") {
            finished = true;
            this.finish(bubble, text, question, data);
          } else if (event === "error") throw new HttpError(data.status || 500, data.detail || "stream error");
        }
        if (!finished) throw new Error("the answer was cut off");
      } catch (error) {
        bubble.remove();
        this.showError(error, question, history);
      } finally {
        this.busy = false;
        this.send.disabled = false;
        this.scroll();
      }
    }

    finish(bubble, text, question, body) {
      bubble.removeAttribute("aria-busy");
      if (body.abstained) {
        bubble.classList.add("abstain");
        text.replaceChildren(el("strong", {}, "The sources don't say."), body.reason || "");
        this.remember(question, body.reason || "");
      } else {
        const cites = new Map(body.citations.map((c) => [c.id, c]));
        this.renderText(text, body.answer, cites);
        this.remember(question, body.answer);
      }
      if (body.standalone_question && body.standalone_question !== question) {
        bubble.append(el("span", { class: "note" }, `Answered as: ${body.standalone_question}`));
      }
    }

    remember(question, answer) {
      this.turns.push({ role: "user", content: question }, { role: "assistant", content: answer.slice(0, MAX_TURN_CHARS) });
    }

    renderText(container, answer, citations) {
      const nodes = [];
      for (const part of answer.split(/(\[\d+\])/)) {
        const m = /^\[(\d+)\]$/.exec(part);
        const citation = m && citations.get(Number(m[1]));
        if (citation) nodes.push(this.chip(citation, container));
        else if (part) nodes.push(part);
      }
      container.replaceChildren(...nodes);
    }

    chip(citation, container) {
      const label = `Source ${citation.id}: ${citation.title || citation.source}`;
      const button = el("button", {
        type: "button",
        class: "chip",
        "data-citation": String(citation.id),
        "aria-label": label,
        "aria-pressed": "false",
        title: label,
      }, `[${citation.id}]`);
      button.addEventListener("click", () => this.showSource(citation, button, container.parentElement));
      return button;
    }

    document(name) {
      if (!this.sources.has(name)) {
        const load = fetch(`${API}/v1/sources/${encodeURIComponent(name)}`).then(async (r) => {
          if (!r.ok) throw await failure(r);
          return r.json();
        });
        load.catch(() => this.sources.delete(name)); // a failed load may be retried
        this.sources.set(name, load);
      }
      return this.sources.get(name);
    }

    async showSource(citation, chip, bubble) {
      const open = bubble.querySelector(".source");
      const wasThis = open && open.dataset.for === String(citation.id);
      this.closeSource(bubble, false);
      if (wasThis) return chip.focus(); // a second click on the same chip closes it
      chip.setAttribute("aria-pressed", "true");
      const box = el("figure", { class: "source", tabindex: "-1", "data-for": String(citation.id) });
      bubble.append(box);
      box.append(el("span", { class: "note" }, "Loading the source…"));
      let doc;
      try {
        doc = await this.document(citation.source);
      } catch (error) {
        box.replaceChildren(el("span", {}, politely(error)), el("button", {
          type: "button", class: "retry", onclick: () => this.showSource(citation, chip, bubble),
        }, "Retry"));
        return;
      }
      const textOf = doc.text;
      const exact = textOf.slice(citation.start, citation.end) === citation.quote;
      const from = exact ? textOf.lastIndexOf("\n", citation.start - 1) + 1 : 0;
      const endLine = exact ? textOf.indexOf("\n", citation.end) : -1;
      const to = endLine < 0 ? textOf.length : endLine;
      const mark = el("mark", {}, ...quoteParts(citation));
      const paragraph = exact
        ? el("p", {}, textOf.slice(from, citation.start), mark, textOf.slice(citation.end, to))
        : el("p", {}, mark);
      const close = el("button", { type: "button", class: "close", "aria-label": "Close source", onclick: () => {
        this.closeSource(bubble, true);
      } }, "×");
      box.replaceChildren(
        el("figcaption", {},
          el("div", { class: "row" }, el("span", { class: "title" }, doc.title || citation.title || citation.source), close),
          el("span", { class: "where" }, `${doc.published || "undated"} · ${doc.name}`)),
        paragraph,
      );
      if (!exact) box.append(el("span", { class: "note" }, "The source has changed since this answer was given."));
      box.addEventListener("keydown", (e) => {
        if (e.key === "Escape") (e.stopPropagation(), this.closeSource(bubble, true));
      });
      box.focus({ preventScroll: true });
      mark.scrollIntoView({ block: "nearest" });
    }

    closeSource(bubble, refocus) {
      const box = bubble.querySelector(".source");
      const chip = bubble.querySelector('.chip[aria-pressed="true"]');
      if (box) box.remove();
      if (chip) chip.setAttribute("aria-pressed", "false");
      if (refocus && chip) chip.focus();
    }

    showError(error, question, history) {
      const retry = el("button", { type: "button", class: "retry" }, "Retry");
      const box = el("div", { class: "msg error", role: "alert" }, el("span", {}, politely(error)), el("br"), retry);
      retry.addEventListener("click", () => {
        box.remove();
        this.run(question, history);
      });
      this.log.append(box);
    }

    scroll() {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  /* <footnote-chat>: the chat inline, where the page puts it. */
  class FootnoteChat extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      this.chat = new Chat(this.attachShadow({ mode: "open" }));
    }
  }

  /* No <footnote-chat> on the page: a launcher button and a floating panel. */
  function mountLauncher() {
    const host = el("div", { "data-footnote": "launcher" });
    document.body.append(host);
    const root = host.attachShadow({ mode: "open" });
    const panel = el("section", { class: "panel", role: "dialog", "aria-label": "Ask the sources", id: "fn-panel" });
    panel.hidden = true;
    const launcher = el("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "fn-panel",
    }, "Ask the sources");
    root.append(panel, launcher);
    const chat = new Chat(panel);
    const close = el("button", { type: "button", class: "close", "aria-label": "Close chat" }, "×");
    chat.header.append(close);
    const toggle = (open) => {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) chat.input.focus();
      else launcher.focus();
    };
    launcher.addEventListener("click", () => toggle(panel.hidden));
    close.addEventListener("click", () => toggle(false));
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") toggle(false);
    });
  }

  if (!customElements.get("footnote-chat")) customElements.define("footnote-chat", FootnoteChat);
  const start = () => {
    if (!document.querySelector("footnote-chat")) mountLauncher();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
