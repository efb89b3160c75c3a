// The city's chat widget: a button that opens a panel where the visitor asks the city
// hall's assistant (Guichet) and, when it does not know, gets an agent, a callback or
// the opening hours. One line on the city's site:
//
//   <script src="https://guichet.example/widget.js" data-city="Saint-Aubin"
//           data-lang="fr" data-color="#00558c" data-langs="fr,en" defer></script>
//
// Accessible (RGAA / WCAG 2.1 AA): native buttons and form controls with labels, the
// conversation as a log live region, errors as alerts, focus moved on open/close and
// to the number field when asked, Escape closes, no colour below 4.5:1, no motion when
// the visitor asks for less. Everything the server or the visitor writes is set as
// text (textContent), never as HTML. Styles come from widget.css (a file, so a city's
// strict CSP allows them by origin; no inline <style>).
import { ChatApi, ChatApiError } from "./api.js";
import { onAction } from "./hooks.js";
import { tr } from "./strings.js";

const POLL_WAIT_S = 25;
const DEFAULT_COLOR = "#00558c";
const STORE_KEY = "guichet-chat";

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// --- colours: the city's, kept only when readable (WCAG 1.4.3, 4.5:1) ---
function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return null;
  const channel = (i) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

function contrast(a, b) {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}

export function readableColors(color) {
  const lum = luminance(color);
  if (lum === null) return { bg: DEFAULT_COLOR, fg: "#ffffff" };
  if (contrast(lum, 1) >= 4.5) return { bg: color, fg: "#ffffff" };
  if (contrast(lum, 0) >= 4.5) return { bg: color, fg: "#000000" };
  return { bg: DEFAULT_COLOR, fg: "#ffffff" };
}

function pageLang(script) {
  const wanted = (script.dataset.lang || document.documentElement.lang || "fr").toLowerCase();
  return wanted.startsWith("en") ? "en" : "fr";
}

class Widget {
  constructor(script) {
    this.base = new URL(script.src, window.location.href).origin;
    this.city = script.dataset.city || "la mairie";
    this.langs = (script.dataset.langs || "fr,en").split(",").map((l) => l.trim());
    this.lang = pageLang(script);
    this.colors = readableColors(script.dataset.color);
    this.api = new ChatApi(this.base);
    this.after = 0;
    this.state = "none";
    this.polling = false;
    this.maxChars = 500;
    this.build();
    this.restore();
  }

  t(key, values) {
    return tr(this.lang, key, values);
  }

  // --- the DOM ---
  build() {
    const root = h("div", { class: "gw-root", lang: this.lang });
    root.style.setProperty("--gw-bg", this.colors.bg); // CSSOM: allowed by a strict CSP
    root.style.setProperty("--gw-fg", this.colors.fg);
    this.root = root;
    this.launcher = h("button", {
      type: "button",
      class: "gw-launcher",
      "aria-expanded": "false",
      "aria-controls": "gw-panel",
      onclick: () => (this.panel.hidden ? this.open() : this.close()),
    });
    this.title = h("h2", { id: "gw-title", class: "gw-title" });
    this.langButton = h("button", { type: "button", class: "gw-lang", onclick: () => this.switchLang() });
    this.closeButton = h("button", { type: "button", class: "gw-close", onclick: () => this.close() });
    this.closeButton.append(h("span", { "aria-hidden": "true", text: "×" }));
    this.closeLabel = h("span", { class: "gw-visually-hidden" });
    this.closeButton.append(this.closeLabel);
    this.toolbar = h("div", { class: "gw-toolbar" });
    // a log region around a plain list (role=log is not allowed on <ol> itself)
    this.log = h("ol", { class: "gw-log" });
    this.logBox = h("div", { class: "gw-logbox", role: "log", "aria-live": "polite", "aria-relevant": "additions" }, this.log);
    this.status = h("p", { class: "gw-status", role: "status", "aria-live": "polite" });
    this.alert = h("p", { class: "gw-alert", role: "alert" });
    this.input = h("textarea", {
      id: "gw-input",
      class: "gw-input",
      rows: "2",
      maxlength: String(this.maxChars),
      autocomplete: "off",
      "aria-describedby": "gw-hint gw-count",
      onkeydown: (e) => {
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          this.form.requestSubmit();
        }
      },
      oninput: () => this.count(),
    });
    this.inputLabel = h("label", { for: "gw-input", class: "gw-label" });
    this.hint = h("p", { id: "gw-hint", class: "gw-hint" });
    this.counter = h("p", { id: "gw-count", class: "gw-hint" });
    this.sendButton = h("button", { type: "submit", class: "gw-send" });
    this.form = h(
      "form",
      { class: "gw-form", onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.inputLabel,
      this.input,
      this.hint,
      this.counter,
      this.sendButton,
    );
    this.endButton = h("button", { type: "button", class: "gw-end", onclick: () => this.end() });
    this.panel = h(
      "section",
      { id: "gw-panel", class: "gw-panel", role: "dialog", "aria-labelledby": "gw-title", hidden: true,
        onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); this.close(); } } },
      h("header", { class: "gw-header" }, this.title, this.langButton, this.closeButton),
      this.toolbar,
      this.logBox,
      this.status,
      this.alert,
      this.form,
      this.endButton,
    );
    root.append(this.launcher, this.panel);
    this.label();
    onAction((action) => this.addAction(action));
    document.body.append(root);
  }

  label() {
    this.root.setAttribute("lang", this.lang);
    this.launcher.textContent = this.t("open");
    this.title.textContent = this.t("title", { city: this.city });
    const other = this.lang === "fr" ? "en" : "fr";
    this.langButton.textContent = this.t("other_lang");
    this.langButton.setAttribute("lang", other);
    this.langButton.setAttribute("aria-label", this.t("other_lang_label"));
    this.langButton.hidden = !this.langs.includes(other);
    this.closeLabel.textContent = this.t("close");
    this.logBox.setAttribute("aria-label", this.t("log"));
    this.inputLabel.textContent = this.t("question");
    this.hint.textContent = this.t("hint");
    this.sendButton.textContent = this.t("send");
    this.endButton.textContent = this.t("end");
    for (const button of this.toolbar.querySelectorAll("button")) {
      const action = button.gwAction;
      if (action) button.textContent = action.label?.[this.lang] ?? action.label?.fr ?? action.id;
    }
    this.count();
  }

  count() {
    this.counter.textContent = this.t("count", { n: this.input.value.length, max: this.maxChars });
  }

  addAction(action) {
    const ctx = () => ({
      base: this.base,
      lang: this.lang,
      city: this.city,
      panel: this.panel,
      announce: (text) => this.say(text),
      status: (text) => (this.status.textContent = text),
    });
    if (typeof action.mount === "function") {
      const container = h("div", { class: "gw-action-box", "data-action": action.id });
      this.toolbar.append(container);
      action.mount(container, ctx());
      return;
    }
    const button = h("button", {
      type: "button",
      class: "gw-action",
      "data-action": action.id,
      onclick: () => action.run(ctx()),
    });
    button.gwAction = action;
    this.toolbar.append(button);
    this.label();
  }

  // --- open / close ---
  async open() {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.removeAttribute("aria-label");
    this.input.focus();
    if (this.state === "none") await this.start();
  }

  close() {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  }

  say(text) {
    this.status.textContent = "";
    requestAnimationFrame(() => (this.status.textContent = text));
  }

  // --- the conversation ---
  remember() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({ base: this.base, token: this.api.token }));
    } catch {
      /* storage refused: the conversation lasts as long as the page */
    }
  }

  async restore() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    } catch {
      saved = null;
    }
    if (!saved || saved.base !== this.base || !saved.token) return;
    this.api.token = saved.token;
    try {
      this.show(await this.api.poll(0, 0));
    } catch {
      this.api.token = null;
      this.state = "none";
    }
  }

  async start() {
    this.state = "starting";
    try {
      const data = await this.api.start(this.lang, this.city);
      this.remember();
      this.show(data);
    } catch (error) {
      this.state = "none";
      this.fail(error);
    }
  }

  async switchLang() {
    this.lang = this.lang === "fr" ? "en" : "fr";
    this.label();
    // before the first question: greeted again in the chosen language
    const asked = this.log.querySelector('[data-author="visitor"]');
    if (!asked) {
      this.log.replaceChildren();
      this.after = 0;
      this.api.token = null;
      this.state = "none";
      await this.start();
    }
    this.langButton.focus();
  }

  fail(error) {
    const text = error instanceof ChatApiError && error.message && error.status !== 0 && error.status !== 403
      ? error.message
      : this.t("unavailable");
    this.alert.textContent = text;
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    if (this.state === "none") await this.start();
    this.alert.textContent = "";
    this.status.textContent = this.t("writing");
    this.sendButton.disabled = true;
    try {
      const data = await this.api.send(text, this.after);
      this.input.value = "";
      this.count();
      this.show(data);
    } catch (error) {
      this.fail(error); // the text stays in the field: nothing typed is lost
    } finally {
      this.status.textContent = "";
      this.sendButton.disabled = false;
      this.input.focus();
    }
  }

  async offer(kind) {
    this.alert.textContent = "";
    if (kind === "yes" || kind === "no") {
      this.input.value = kind === "yes" ? this.t("offer_yes") : this.t("offer_no");
      await this.submit();
      return;
    }
    if (kind === "callback") {
      this.numberForm();
      return;
    }
    try {
      this.show(await this.api.offer(kind === "agent" ? "agent" : "hours", this.after));
    } catch (error) {
      this.fail(error);
    }
  }

  numberForm() {
    const existing = this.log.querySelector(".gw-number-form");
    if (existing) {
      existing.querySelector("input").focus();
      return;
    }
    const id = `gw-number-${this.after}`;
    const error = h("p", { class: "gw-alert", role: "alert", id: `${id}-error` });
    const input = h("input", {
      id,
      type: "tel",
      inputmode: "tel",
      autocomplete: "tel",
      maxlength: "40",
      required: true,
      "aria-describedby": `${id}-error`,
    });
    const form = h(
      "form",
      {
        class: "gw-number-form",
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = "";
          try {
            const data = await this.api.callback(input.value, this.after);
            form.remove();
            this.show(data);
            this.input.focus();
          } catch (failure) {
            input.setAttribute("aria-invalid", "true");
            error.textContent = failure.message || this.t("unavailable");
            input.focus();
          }
        },
      },
      h("label", { for: id, text: this.t("number") }),
      input,
      h("button", { type: "submit", class: "gw-send", text: this.t("number_send") }),
      error,
    );
    this.log.append(h("li", { class: "gw-msg gw-form-item" }, form));
    input.focus();
  }

  async end() {
    try {
      if (this.api.token) this.show(await this.api.offer("end", this.after));
    } catch (error) {
      this.fail(error);
    }
  }

  show(data) {
    if (typeof data.max_chars === "number") {
      this.maxChars = data.max_chars;
      this.input.setAttribute("maxlength", String(this.maxChars));
      this.count();
    }
    for (const message of data.messages || []) {
      if (message.seq <= this.after) continue;
      this.after = message.seq;
      this.log.append(this.render(message));
      if (message.offers.includes("callback_form")) this.numberForm();
    }
    this.log.lastElementChild?.scrollIntoView?.({ block: "nearest" });
    this.state = data.state || this.state;
    this.endButton.hidden = this.state === "ended";
    if (this.state === "ended") {
      try {
        sessionStorage.removeItem(STORE_KEY);
      } catch {
        /* nothing kept */
      }
      this.api.token = null;
      this.state = "none";
      this.after = 0;
    }
    if ((data.state === "waiting" || data.state === "live") && !this.polling) this.poll();
  }

  render(message) {
    const who = { visitor: "you", bot: "bot", agent: "agent", system: "system" }[message.author];
    const item = h("li", { class: `gw-msg gw-${message.author}`, "data-author": message.author, "data-kind": message.kind, lang: message.lang });
    item.append(h("span", { class: "gw-who", text: `${this.t(who)}${this.lang === "fr" ? " : " : ": "}` }));
    item.append(h("p", { class: "gw-text", text: message.text }));
    if (message.details) {
      item.append(
        h("details", { class: "gw-details" }, h("summary", { text: this.t("details") }), h("p", { class: "gw-text", text: message.details })),
      );
    }
    if (message.source) {
      const source = h("p", { class: "gw-source", "data-card": message.source.card_id });
      const url = message.source.url;
      if (url && /^https?:\/\//.test(url)) {
        source.append(h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: message.source.label }));
      } else {
        source.textContent = message.source.label;
      }
      item.append(source);
    }
    const offers = message.offers.filter((o) => o !== "callback_form");
    if (offers.length) {
      const group = h("div", { class: "gw-offers", role: "group", "aria-label": this.t("offers") });
      for (const offer of offers) {
        group.append(
          h("button", { type: "button", class: "gw-offer", "data-offer": offer, text: this.t(`offer_${offer}`), onclick: () => this.offer(offer) }),
        );
      }
      item.append(group);
    }
    return item;
  }

  // an agent is awaited or answering: their messages arrive by a long poll
  async poll() {
    this.polling = true;
    let failures = 0;
    try {
      while (this.api.token && (this.state === "waiting" || this.state === "live")) {
        try {
          const data = await this.api.poll(this.after, POLL_WAIT_S);
          failures = 0;
          const before = this.after;
          this.show(data);
          if (this.after > before && this.panel.hidden) this.launcher.setAttribute("aria-label", `${this.t("open")} — ${this.t("new_message")}`);
        } catch (error) {
          failures += 1;
          if (failures > 3 || (error instanceof ChatApiError && error.status === 401)) {
            this.fail(error);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
        }
      }
    } finally {
      this.polling = false;
    }
  }
}

export function mount(script) {
  const widget = new Widget(script);
  return widget;
}
