// The expert workspace: the callback list of the expert's services, click-to-call
// (the expert's own phone rings first, answered here by itself since the expert just
// clicked; then the server dials the number stored on the callback), and the outcome.
// The page never sends a number: the call request names the callback only.
import { $, el, announce } from "./dom.js";
import { t, lang } from "./i18n.js";
import { getJSON, postJSON } from "./api.js";
import { Phone } from "./phone.js";

const phone = new Phone();
let expecting = null; // the reference of the callback just clicked: its ring is answered
window.guichetExperts = { phone, state: () => ({ expecting }) }; // browser tests, console

function when(iso) {
  return new Date(iso).toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
}

function showResult(text, isError = false) {
  const node = $("result");
  node.textContent = text;
  node.className = isError ? "error" : "";
  announce(text);
}

function field(dl, label, value, cls) {
  dl.append(el("dt", {}, label), el("dd", cls ? { class: cls } : {}, value ?? "—"));
}

function outcomeBox(cb) {
  const box = el("fieldset", {}, el("legend", {}, t("outcome")));
  for (const outcome of ["reached_solved", "reached_follow_up", "no_answer", "wrong_number"]) {
    box.append(
      el(
        "button",
        {
          type: "button",
          dataset: { outcome },
          onclick: () => recordOutcome(cb, outcome),
        },
        t(outcome),
      ),
    );
  }
  return box;
}

function render(callbacks) {
  const list = $("callbacks");
  list.replaceChildren();
  $("empty").hidden = callbacks.length > 0;
  for (const cb of callbacks) {
    const dl = el("dl");
    field(dl, t("due"), `${when(cb.due_by)}${cb.overdue ? ` (${t("overdue")})` : ""}`, cb.overdue ? "overdue" : "");
    field(dl, t("service"), cb.service);
    field(dl, t("language"), cb.language);
    field(dl, t("attempts"), String(cb.attempts));
    field(dl, t("number"), cb.number);
    field(dl, t("summary"), cb.summary || cb.topic);
    const transcript = el("ol");
    for (const turn of cb.transcript) transcript.append(el("li", {}, `${t(turn.speaker)} : ${turn.text}`));
    const item = el(
      "li",
      { class: "callback", dataset: { id: cb.id, reference: cb.reference } },
      el("h3", {}, `${t("reference")} ${cb.reference}`),
      dl,
      el("details", {}, el("summary", {}, t("transcript")), transcript),
      el("button", { type: "button", class: "call", onclick: () => call(cb) }, `${t("call")} ${cb.reference}`),
      outcomeBox(cb),
    );
    list.append(item);
  }
}

async function refresh() {
  try {
    const body = await getJSON("/api/callbacks");
    render(body.callbacks);
  } catch (error) {
    showResult(`${t("error")}: ${error.message}`, true);
  }
}

async function call(cb) {
  try {
    expecting = cb.reference;
    await postJSON(`/api/callbacks/${encodeURIComponent(cb.id)}/call`);
    $("call-status").textContent = t("calling");
    $("call-status").dataset.state = "calling";
    showResult(`${cb.reference}: ${t("calling")}`);
  } catch (error) {
    expecting = null;
    showResult(`${t("error")}: ${error.message}`, true);
  }
}

async function recordOutcome(cb, outcome) {
  try {
    const body = await postJSON(`/api/callbacks/${encodeURIComponent(cb.id)}/outcome`, { outcome });
    let text = `${cb.reference}: ${t("recorded")}`;
    if (body.next_due_by) text += ` ${t("next_attempt")} ${when(body.next_due_by)}.`;
    if (body.given_up) text += ` ${t("given_up")}`;
    showResult(text);
    await refresh();
  } catch (error) {
    showResult(`${t("error")}: ${error.message}`, true);
  }
}

function phoneStatus(state) {
  const node = $("conn-phone");
  node.dataset.state = state;
  node.textContent =
    { registered: t("registered"), registering: t("registering"), disconnected: t("disconnected"), failed: t("reg_failed") }[state] ??
    t("unregistered");
}

function wirePhone() {
  phone.addEventListener("registration", ({ detail }) => phoneStatus(detail.state));
  phone.addEventListener("incoming", ({ detail }) => {
    // the ring of the callback just clicked: the expert asked for it, pick it up
    if (expecting && (detail.number === expecting || detail.name.includes(expecting))) {
      phone.answer();
    } else {
      announce(`${t("phone")}: ${detail.name || detail.number}`);
    }
  });
  phone.addEventListener("confirmed", () => {
    $("call-status").textContent = t("in_call");
    $("call-status").dataset.state = "in_call";
    $("hangup").disabled = false;
  });
  phone.addEventListener("ended", () => {
    expecting = null;
    $("call-status").textContent = "";
    $("call-status").dataset.state = "idle";
    $("hangup").disabled = true;
  });
  $("hangup").addEventListener("click", () => phone.hangup());
}

async function main() {
  $("logout").addEventListener("click", async () => {
    try {
      await postJSON("/logout");
    } finally {
      window.location.assign("/login");
    }
  });
  $("refresh").addEventListener("click", refresh);
  await refresh();
  wirePhone();
  if (document.body.dataset.phone !== "off") await phone.start($("remote-audio")).catch(() => phoneStatus("failed"));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
