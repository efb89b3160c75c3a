// The desk's website chat panel (W1): the chats the bot handed over, taken by one
// agent, answered here with live assist's cards for the visitor's last lines. Its own
// module and section: loaded by the desk page, it builds its panel itself.
//
// Two long polls: the list (GET /api/chat/desk/chats?version=&wait=; polling it is
// what tells the server this agent has the panel open) and the open chat
// (GET /api/chat/desk/chats/{id}?after=&version=&wait=). Text is set as text only.
import { el, announce } from "./dom.js";
import { getJSON, postJSON } from "./api.js";

const WAIT_S = 25;
const WORDS = {
  fr: {
    title: "Discussions du site",
    none: "Aucune discussion en attente.",
    waiting: "En attente",
    mine: "Mes discussions",
    take: "Prendre la discussion",
    open: "Ouvrir",
    transcript: "Conversation avec le visiteur",
    visitor: "Visiteur",
    bot: "Assistant",
    agent: "Vous",
    system: "Information",
    reply: "Votre réponse",
    send: "Envoyer",
    close: "Terminer la discussion",
    suggestions: "Fiches suggérées",
    insert: "Insérer la réponse",
    reliable: "fiable",
    not_reliable: "pas de fiche fiable",
    new_chat: "Nouvelle discussion du site en attente",
    source: "Source",
    ended: "Discussion terminée",
  },
  en: {
    title: "Website chats",
    none: "No chat waiting.",
    waiting: "Waiting",
    mine: "My chats",
    take: "Take the chat",
    open: "Open",
    transcript: "Conversation with the visitor",
    visitor: "Visitor",
    bot: "Assistant",
    agent: "You",
    system: "Information",
    reply: "Your answer",
    send: "Send",
    close: "End the chat",
    suggestions: "Suggested cards",
    insert: "Insert the answer",
    reliable: "reliable",
    not_reliable: "no reliable card",
    new_chat: "New website chat waiting",
    source: "Source",
    ended: "Chat ended",
  },
};
const lang = document.documentElement.lang === "en" ? "en" : "fr";
const w = (key) => WORDS[lang][key] ?? key;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class DeskChat {
  constructor() {
    this.listVersion = -1;
    this.known = new Set();
    this.chatId = null;
    this.after = 0;
    this.version = -1;
    this.build();
  }

  build() {
    const css = el("link", { rel: "stylesheet", href: "/desk/assets/chat.css" });
    document.head.append(css);
    this.waiting = el("ul", { id: "chat-waiting", class: "chat-list" });
    this.mine = el("ul", { id: "chat-mine", class: "chat-list" });
    this.log = el("ol", { id: "chat-log", class: "chat-log", "aria-live": "polite", "aria-relevant": "additions" });
    this.cards = el("ol", { id: "chat-cards", class: "chat-cards", "aria-live": "polite" });
    this.reliable = el("p", { id: "chat-reliable" });
    this.text = el("textarea", { id: "chat-reply", rows: "3", maxlength: "500" });
    this.error = el("p", { id: "chat-error", class: "error", role: "alert" });
    this.form = el(
      "form",
      { id: "chat-form", onsubmit: (e) => { e.preventDefault(); this.send(); } },
      el("label", { for: "chat-reply" }, w("reply")),
      this.text,
      el("button", { type: "submit", id: "chat-send" }, w("send")),
      el("button", { type: "button", id: "chat-close", onclick: () => this.close() }, w("close")),
      this.error,
    );
    this.current = el(
      "div",
      { id: "chat-current", hidden: "" },
      el("h3", { id: "h-chat-transcript" }, w("transcript")),
      this.log,
      el("h3", {}, w("suggestions")),
      this.reliable,
      this.cards,
      this.form,
    );
    this.section = el(
      "section",
      { id: "web-chat", class: "panel wide", "aria-labelledby": "h-web-chat" },
      el("h2", { id: "h-web-chat" }, w("title")),
      el("h3", {}, w("waiting")),
      this.waiting,
      el("h3", {}, w("mine")),
      this.mine,
      this.current,
    );
    (document.querySelector("main") || document.body).append(this.section);
  }

  // --- the list ---
  async watchList() {
    for (;;) {
      try {
        const data = await getJSON(`/api/chat/desk/chats?version=${this.listVersion}&wait=${WAIT_S}`);
        this.listVersion = data.version;
        this.showList(data);
      } catch {
        await sleep(2000);
      }
    }
  }

  showList(data) {
    const row = (chat, label, action) =>
      el(
        "li",
        { "data-chat": chat.id },
        el("span", { class: "chat-first", lang: chat.lang }, chat.first_question || "…"),
        " ",
        el("button", { type: "button", class: "chat-take", onclick: action }, label),
      );
    this.waiting.replaceChildren(
      ...(data.waiting.length ? data.waiting.map((c) => row(c, w("take"), () => this.take(c.id))) : [el("li", {}, w("none"))]),
    );
    this.mine.replaceChildren(...data.mine.map((c) => row(c, w("open"), () => this.open(c.id))));
    const fresh = data.waiting.filter((c) => !this.known.has(c.id));
    for (const chat of data.waiting) this.known.add(chat.id);
    if (fresh.length) announce(w("new_chat"));
  }

  // --- one chat ---
  async take(id) {
    try {
      const data = await postJSON(`/api/chat/desk/chats/${encodeURIComponent(id)}/take`);
      this.open(id, data);
    } catch (error) {
      this.error.textContent = error.message;
    }
  }

  open(id, data = null) {
    if (this.chatId !== id) {
      this.chatId = id;
      this.after = 0;
      this.version = -1;
      this.log.replaceChildren();
      this.cards.replaceChildren();
      this.current.hidden = false;
      this.watchChat(id);
    }
    if (data) this.showChat(data);
    this.text.focus();
  }

  async watchChat(id) {
    while (this.chatId === id) {
      try {
        const data = await getJSON(
          `/api/chat/desk/chats/${encodeURIComponent(id)}?after=${this.after}&version=${this.version}&wait=${WAIT_S}`,
        );
        if (this.chatId !== id) return;
        this.showChat(data);
        if (data.state === "ended") return;
      } catch {
        if (this.chatId !== id) return;
        await sleep(2000);
      }
    }
  }

  showChat(data) {
    this.version = data.version;
    for (const message of data.messages) {
      if (message.seq <= this.after) continue;
      this.after = message.seq;
      const item = el(
        "li",
        { class: `chat-${message.author}`, "data-author": message.author, lang: message.lang },
        el("strong", {}, `${w(message.author)} : `),
        el("span", { class: "chat-text" }, message.text),
      );
      if (message.source) item.append(el("small", { class: "chat-source" }, ` (${w("source")} : ${message.source.title})`));
      this.log.append(item);
    }
    if (data.suggestions) this.showCards(data.suggestions);
    const ended = data.state === "ended";
    this.form.querySelectorAll("button, textarea").forEach((node) => { node.disabled = ended; });
    if (ended) this.reliable.textContent = w("ended");
  }

  showCards(suggestions) {
    this.reliable.textContent = suggestions.reliable ? w("reliable") : w("not_reliable");
    this.cards.replaceChildren(
      ...suggestions.cards.map((card) =>
        el(
          "li",
          { "data-card": card.card_id },
          el("strong", {}, card.title),
          ` (${Math.round(card.confidence * 100)} %) `,
          el("span", { class: "chat-why" }, card.why),
          " ",
          el("button", { type: "button", class: "chat-insert", onclick: () => { this.text.value = card.answer; this.text.focus(); } }, w("insert")),
        ),
      ),
    );
  }

  async send() {
    const text = this.text.value.trim();
    if (!text || !this.chatId) return;
    this.error.textContent = "";
    try {
      const data = await postJSON(`/api/chat/desk/chats/${encodeURIComponent(this.chatId)}/messages`, { text });
      this.text.value = "";
      this.showChat(data);
    } catch (error) {
      this.error.textContent = error.message;
    }
    this.text.focus();
  }

  async close() {
    if (!this.chatId) return;
    try {
      this.showChat(await postJSON(`/api/chat/desk/chats/${encodeURIComponent(this.chatId)}/close`));
    } catch (error) {
      this.error.textContent = error.message;
    }
  }
}

function main() {
  const chat = new DeskChat();
  window.guichetDeskChat = chat; // for the browser tests and the console
  chat.watchList();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
