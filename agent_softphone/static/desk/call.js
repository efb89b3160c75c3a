// The call panel: ringing with the caller's number and the case, the call's buttons,
// the keypad and the transfers. The current call's ids (call_id, case_id) come from
// the desk.case_offered event app_queue's ring makes the server publish.
import { getJSON } from "./api.js";
import { $, announce, el } from "./dom.js";
import { t } from "./i18n.js";

export const current = { callId: "", caseId: "", offer: null, active: false };
const listeners = [];

export function onCallChange(listener) {
  listeners.push(listener);
}

function changed() {
  for (const listener of listeners) listener(current);
}

function setStatus(state, text) {
  const status = $("call-status");
  status.dataset.state = state;
  status.textContent = text;
}

function buttons({ ringing = false, up = false }) {
  $("answer").disabled = !ringing;
  $("hangup").disabled = !(ringing || up);
  for (const id of ["hold", "mute", "transfer-blind", "transfer-consult"]) $(id).disabled = !up;
}

function field(dl, label, value) {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length))
    return;
  dl.append(el("dt", {}, label));
  if (Array.isArray(value)) {
    const list = el("ul");
    for (const item of value) {
      let text = item;
      if (Array.isArray(item)) text = `${t(item[0])}: ${item[1]}`;
      else if (item && typeof item === "object")
        text = item.title ?? (item.speaker ? `${t(item.speaker)}: ${item.text}` : JSON.stringify(item));
      list.append(el("li", {}, text));
    }
    dl.append(el("dd", {}, list));
  } else {
    dl.append(el("dd", {}, String(value)));
  }
}

export function showCase(offer) {
  current.offer = offer;
  current.callId = offer.call_id || current.callId;
  current.caseId = offer.case_id || current.caseId;
  const dl = $("case-fields");
  dl.replaceChildren();
  field(dl, t("case"), offer.case_id);
  field(dl, t("caller"), offer.caller);
  field(dl, t("language"), offer.language);
  field(dl, t("why"), offer.handed_over);
  field(dl, t("topic"), offer.topic);
  field(dl, t("services"), offer.service);
  field(dl, t("summary"), offer.summary);
  field(dl, t("bot_turns"), offer.turns);
  field(dl, t("cards_tried"), offer.cards ?? offer.cards_tried);
  $("case-box").hidden = false;
  changed();
}

async function loadDirectory() {
  const directory = await getJSON("/api/desk/directory");
  const select = $("transfer-target");
  select.replaceChildren();
  const services = el("optgroup", { label: t("services") });
  for (const q of directory.queues) services.append(el("option", { value: q.extension }, q.label));
  const people = el("optgroup", { label: t("colleagues") });
  for (const c of directory.colleagues)
    people.append(el("option", { value: c.extension }, c.display_name || c.username));
  select.append(services, people);
  const wuService = $("wu-service");
  // escalation goes to a service, never back to reception
  wuService.replaceChildren(
    ...directory.queues
      .filter((q) => !q.reception)
      .map((q) => el("option", { value: q.queue }, q.label)),
  );
}

export function setupCall(phone) {
  phone.addEventListener("incoming", ({ detail }) => {
    const who = detail.name ? `${detail.name} (${detail.number})` : detail.number;
    setStatus("ringing", `${t("incoming")} ${t("from")} ${who}`);
    announce(`${t("ringing")} — ${who}`);
    buttons({ ringing: true });
    $("answer").focus();
  });
  phone.addEventListener("confirmed", ({ detail }) => {
    if (detail.role !== "main") return;
    current.active = true;
    setStatus("in-call", t("in_call"));
    buttons({ up: true });
    changed();
  });
  phone.addEventListener("hold", ({ detail }) => {
    if (detail.role !== "main") return;
    $("hold").setAttribute("aria-pressed", String(detail.on));
    $("hold").textContent = detail.on ? t("resume") : t("hold");
    setStatus(detail.on ? "on-hold" : "in-call", detail.on ? t("on_hold") : t("in_call"));
  });
  phone.addEventListener("ended", ({ detail }) => {
    if (detail.role === "consult") {
      $("transfer-complete").hidden = true;
      $("transfer-cancel").hidden = true;
      return;
    }
    const wasActive = current.active;
    current.active = false;
    setStatus("idle", t("no_call"));
    buttons({});
    $("mute").setAttribute("aria-pressed", "false");
    $("mute").textContent = t("mute");
    $("transfer-complete").hidden = true;
    $("transfer-cancel").hidden = true;
    announce(t("no_call"));
    current.ended = wasActive;
    changed();
    current.ended = false;
  });

  phone.addEventListener("transfer", ({ detail }) => {
    const text = detail.ok ? t("transfer_done") : `${t("transfer_failed")} ${detail.cause ?? ""}`;
    setStatus($("call-status").dataset.state, text);
    announce(text);
  });
  $("answer").addEventListener("click", () => phone.answer());
  $("hangup").addEventListener("click", () => phone.hangup());
  $("hold").addEventListener("click", () => phone.toggleHold());
  $("mute").addEventListener("click", () => {
    const muted = phone.toggleMute();
    $("mute").setAttribute("aria-pressed", String(muted));
    $("mute").textContent = muted ? t("unmute") : t("mute");
  });
  for (const key of document.querySelectorAll("[data-dtmf]"))
    key.addEventListener("click", () => phone.dtmf(key.dataset.dtmf));
  $("transfer-blind").addEventListener("click", () => phone.blindTransfer($("transfer-target").value));
  $("transfer-consult").addEventListener("click", () => {
    phone.consultStart($("transfer-target").value);
    $("transfer-complete").hidden = false;
    $("transfer-cancel").hidden = false;
  });
  $("transfer-complete").addEventListener("click", () => phone.consultComplete());
  $("transfer-cancel").addEventListener("click", () => phone.consultCancel());
  buttons({});
  return loadDirectory();
}
