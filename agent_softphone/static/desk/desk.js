// The agent desk page: wires the phone, the agent state, the live events, live
// assist and the wrap-up; the keyboard shortcuts; the connection's state on screen.
import { $, announce } from "./dom.js";
import { t } from "./i18n.js";
import { postJSON } from "./api.js";
import { LiveSocket } from "./socket.js";
import { Phone } from "./phone.js";
import { setupState, onServerState, startWrapup, currentState } from "./state.js";
import { setupCall, showCase, current, onCallChange } from "./call.js";
import { setupAssist, onAssistLine, onAssistSuggested, clearAssist } from "./assist.js";
import { setupWrapup } from "./wrapup.js";
import { setupDevices } from "./devices.js";
import { onSupervision } from "./supervision.js"; // E3
import { username } from "./i18n.js";

const phone = new Phone();
window.guichetDesk = { phone, current }; // for the browser tests and the console

function serverStatus(state) {
  const node = $("conn-server");
  node.dataset.state = state;
  if (state === "lost") {
    node.textContent = t("disconnected");
    announce(`${t("server")}: ${t("disconnected")}`);
  } else {
    node.textContent = state === "reopened" ? `${t("connected")} (${t("reconnected")})` : t("connected");
    if (state === "reopened") announce(`${t("server")}: ${t("reconnected")}`);
  }
}

const sockets = { events: "open", presence: "open" };
function socketStatus(which, state) {
  sockets[which] = state;
  const lost = Object.values(sockets).includes("lost");
  serverStatus(lost ? "lost" : state);
}

function phoneStatus(state) {
  const node = $("conn-phone");
  node.dataset.state = state;
  node.textContent =
    {
      registered: t("registered"),
      registering: t("registering"),
      disconnected: t("disconnected"),
      failed: t("reg_failed"),
    }[state] ?? t("unregistered");
  if (state === "disconnected" || state === "failed") announce(`${t("phone")}: ${node.textContent}`);
}

function onEvent(event) {
  switch (event.type) {
    case "desk.state_changed":
      onServerState(event);
      break;
    case "desk.case_offered":
      if (event.agent === username) {
        if (event.call_id !== current.callId) clearAssist();
        showCase(event);
      }
      break;
    case "call.assist_line":
      if (!event.agent || event.agent === username) onAssistLine(event);
      break;
    case "call.assist_suggested":
      if (!event.agent || event.agent === username) onAssistSuggested(event);
      break;
    case "call.supervision": // E3: a supervisor on this agent's call
      if (event.agent === username) onSupervision(event);
      break;
    default:
      break;
  }
}

function shortcuts() {
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || !event.shiftKey) return;
    const key = event.key.toLowerCase();
    if (key === "r") phone.answer();
    else if (key === "h") phone.hangup();
    else if (key === "m") $("mute").click();
    else return;
    event.preventDefault();
  });
}

async function main() {
  shortcuts();
  $("logout").addEventListener("click", async () => {
    try {
      await postJSON("/logout");
    } finally {
      window.location.assign("/login");
    }
  });
  // the presence socket: while it is open the server keeps this account in its
  // queues; closing the tab (and not coming back) logs it out
  new LiveSocket("/api/desk/presence", {
    onMessage: onServerState,
    onStatus: (s) => socketStatus("presence", s),
  });
  new LiveSocket("/api/events", { onMessage: onEvent, onStatus: (s) => socketStatus("events", s) });
  await setupState();
  setupAssist();
  setupWrapup();
  phone.addEventListener("registration", ({ detail }) => phoneStatus(detail.state));
  await setupCall(phone);
  // a call answered and ended: the agent's wrap-up starts (timed; "end now" ends it)
  onCallChange((call) => {
    if (call.ended && currentState() === "available") startWrapup();
  });
  await phone.start($("remote-audio"));
  await setupDevices(phone).catch(() => {});
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
