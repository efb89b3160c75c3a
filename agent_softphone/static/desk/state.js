// The agent's state: available, paused (with a reason), wrap-up (counted down, can
// be ended now), logged out. The server applies it to the queues and ends a wrap-up
// by itself; this panel shows what the server says (its answers and its events).
import { getJSON, postJSON } from "./api.js";
import { $, announce } from "./dom.js";
import { t, username } from "./i18n.js";

let shown = null;
let countdown = null;

// A state can reach the page three ways (the answer to its own request, the events
// feed, the presence socket), and under load not in the order it happened: an older
// one arriving after a newer one must not put the panel back (a pause shown as
// "available" while the queues have the agent paused).
function older(view) {
  if (!shown || !shown.since || !view.since) return false;
  return Date.parse(view.since) < Date.parse(shown.since);
}

function show(view) {
  if (older(view)) return;
  const changed = !shown || shown.state !== view.state;
  shown = view;
  const now = $("state-now");
  now.dataset.state = view.state;
  now.textContent = t(view.state) + (view.state === "paused" && view.reason ? ` — ${view.reason}` : "");
  // only a change moves the radios: the echo of the state shown (the feed's news of
  // the page's own request) must not undo a choice the agent is making
  if (changed) {
    for (const radio of document.querySelectorAll('#state-form input[name="state"]')) {
      radio.checked = radio.value === view.state;
    }
  }
  clearInterval(countdown);
  const box = $("wrapup-box");
  if (view.state === "wrapup" && view.until) {
    const until = new Date(view.until).getTime();
    const tick = () => {
      $("wrapup-left").textContent = String(Math.max(0, Math.round((until - Date.now()) / 1000)));
    };
    tick();
    countdown = setInterval(tick, 1000);
    box.hidden = false;
  } else {
    box.hidden = true;
  }
  if (changed) announce(`${t("state_now")} ${t(view.state)}`);
}

async function change(state, reason = "") {
  $("state-error").textContent = "";
  try {
    show(await postJSON("/api/desk/state", { state, reason }));
  } catch (error) {
    $("state-error").textContent = `${t("state_failed")}: ${error.message}`;
  }
}

export function startWrapup() {
  return change("wrapup");
}

export function currentState() {
  return shown?.state ?? "logged_out";
}

// a desk.state_changed event (the server's timer, a page closed elsewhere) or the
// presence socket's first message
export function onServerState(message) {
  if (message.username !== username) return;
  show(message);
}

export async function setupState() {
  $("state-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = document.querySelector('#state-form input[name="state"]:checked');
    if (picked) change(picked.value, $("pause-reason").value.trim());
  });
  $("wrapup-end").addEventListener("click", () => change("available"));
  show(await getJSON("/api/desk/state"));
}
