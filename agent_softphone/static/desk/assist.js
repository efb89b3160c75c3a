// Live assist: the transcript of both sides (final lines; an interim line replaced
// by its final, same seq) and the suggested cards (up to three, confidence and why,
// the proposed answer, or "no reliable card"), a manual search, pin and "used".
import { getJSON, postJSON } from "./api.js";
import { $, el, timeOf } from "./dom.js";
import { t } from "./i18n.js";
import { current } from "./call.js";

const lines = new Map(); // `${speaker}:${seq}` -> <li>

export function clearAssist() {
  lines.clear();
  $("transcript").replaceChildren();
  $("cards").replaceChildren();
  $("proposed-box").hidden = true;
  $("no-reliable").hidden = true;
}

export function onAssistLine(event) {
  if (current.callId && event.call_id !== current.callId) return;
  const key = `${event.speaker}:${event.seq}`;
  const item =
    lines.get(key) ??
    el("li", { dataset: { speaker: event.speaker, seq: String(event.seq) } });
  item.dataset.final = String(Boolean(event.final));
  item.replaceChildren(
    el("span", { class: "who" }, t(event.speaker)),
    " ",
    el("time", { datetime: event.started_at ?? event.at }, timeOf(event.started_at ?? event.at)),
    " ",
    el("span", { class: "text" }, event.text),
  );
  if (!lines.has(key)) {
    lines.set(key, item);
    $("transcript").append(item);
  }
}

function card(c, { pinned = false } = {}) {
  const actions = el(
    "div",
    { class: "buttons" },
    el("button", { type: "button", onclick: () => act(c, "pin") }, t("pin")),
    el("button", { type: "button", onclick: () => act(c, "used") }, t("used")),
  );
  const details = el(
    "details",
    {},
    el("summary", {}, t("open_card")),
    el("p", {}, c.answer ?? ""),
  );
  return el(
    "li",
    { class: pinned ? "card pinned" : "card", dataset: { cardId: c.card_id } },
    el("h3", {}, c.title),
    el(
      "p",
      { class: "meta" },
      `${t("confidence")} ${Math.round((c.confidence ?? 0) * 100)} %`,
      c.why ? ` — ${c.why}` : "",
    ),
    details,
    actions,
  );
}

async function act(c, what) {
  if (!current.callId) return;
  const path = `/api/assist/${encodeURIComponent(current.callId)}/cards/${encodeURIComponent(c.card_id)}/${what}`;
  try {
    await postJSON(path, {});
    if (what === "pin") $("cards").querySelector(`[data-card-id="${CSS.escape(c.card_id)}"]`)?.classList.add("pinned");
  } catch {
    // the panel stays as it is; the agent can click again
  }
}

export function showCards(cards, reliable) {
  const list = $("cards");
  const pinned = [...list.querySelectorAll(".card.pinned")];
  const keep = new Set(pinned.map((node) => node.dataset.cardId));
  list.replaceChildren(...pinned, ...cards.filter((c) => !keep.has(c.card_id)).slice(0, 3).map((c) => card(c)));
  const best = cards[0];
  $("no-reliable").hidden = Boolean(reliable && best);
  if (reliable && best && best.answer) {
    $("proposed").textContent = best.answer;
    $("proposed-box").hidden = false;
  } else {
    $("proposed-box").hidden = true;
  }
}

export function onAssistSuggested(event) {
  if (current.callId && event.call_id !== current.callId) return;
  showCards(event.cards ?? [], event.reliable);
}

export function setupAssist() {
  $("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = $("search-q").value.trim();
    if (!q) return;
    try {
      const found = await getJSON(`/api/assist/search?q=${encodeURIComponent(q)}`);
      showCards(found.cards ?? found, found.reliable ?? true);
    } catch {
      $("no-reliable").hidden = false;
    }
  });
}
