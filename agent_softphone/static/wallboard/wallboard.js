// The supervisor wallboard: one socket (/api/wallboard) sends the whole board on
// connect, then the rows that change; this script only puts rows in place and
// ticks the clocks (waits, time in state, call durations). Figures are computed by
// the server (agent_softphone/wallboard/fold.py), never here.
const boot = JSON.parse(document.getElementById("wallboard-boot").textContent);
const S = boot.strings;
const BIG = boot.big;
let offset = 0; // server clock - this clock, seconds
let csrf = null;
let phone = null; // the supervisor's softphone (not on the big screen, not for an admin)

const $ = (sel, root = document) => root.querySelector(sel);
const nowS = () => Date.now() / 1000 + offset;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

// a clock cell: ticks from data-since (epoch seconds, server time)
function clock(since) {
  return el("span", { class: "clock", "data-since": since ?? "" , text: since ? duration(nowS() - since) : "–" });
}

function tick() {
  for (const node of document.querySelectorAll("[data-since]")) {
    const since = parseFloat(node.dataset.since);
    node.textContent = Number.isNaN(since) ? "–" : duration(nowS() - since);
  }
}

function stamp(node, message) {
  // when the change left the bus, and when it reached the screen (measurements)
  if (message.at !== undefined) node.dataset.at = String(message.at);
  node.dataset.event = message.event || "";
  node.dataset.shown = String(Date.now() / 1000);
}

function announce(text) {
  $("#announce").textContent = text;
}

// --- queues ------------------------------------------------------------------------

function queueRow(q) {
  const sl = q.service_level === null ? "–" : `${q.service_level} %`;
  return el(
    "tr",
    { "data-queue": q.queue, "data-waiting": q.waiting },
    el("th", { scope: "row", text: q.queue }),
    el("td", { class: "waiting", text: String(q.waiting) }),
    el("td", { class: "longest" }, q.oldest_joined_at ? clock(q.oldest_joined_at) : el("span", { text: "–" })),
    el("td", { text: `${q.available} / ${q.logged_in}` }),
    el("td", { class: "in-sl", text: `${q.answered_in_sl} / ${q.answered} ${S.answered}` }),
    el("td", { class: "abandoned", text: String(q.abandoned) }),
    el("td", { class: "sl", text: sl }),
  );
}

function putQueue(q, message) {
  const body = $("#queues tbody");
  const row = queueRow(q);
  stamp(row, message);
  const old = body.querySelector(`tr[data-queue="${CSS.escape(q.queue)}"]`);
  if (old) {
    if (old.dataset.waiting !== String(q.waiting) && q.waiting > Number(old.dataset.waiting)) {
      announce(`${q.queue}: ${q.waiting} ${S.waiting.toLowerCase()}`);
    }
    old.replaceWith(row);
  } else body.append(row);
}

// --- agents ------------------------------------------------------------------------

function agentRow(a) {
  const call = a.on_call
    ? el("span", {}, `${a.call_caller || a.call_id || ""} `, clock(a.call_since))
    : el("span", { text: "–" });
  return el(
    "tr",
    { "data-username": a.username, "data-state": a.state },
    el("th", { scope: "row", text: a.name }),
    el("td", { class: "state", "data-state": a.state, text: S[a.state] || a.state }),
    el("td", { class: "reason", text: a.reason || "" }),
    el("td", { class: "since" }, clock(a.since)),
    el("td", { class: "call" }, call),
  );
}

function putAgent(a, message) {
  const body = $("#agents tbody");
  const row = agentRow(a);
  stamp(row, message);
  const old = body.querySelector(`tr[data-username="${CSS.escape(a.username)}"]`);
  if (old) old.replaceWith(row);
  else body.append(row);
}

// --- calls -------------------------------------------------------------------------

function supervisionButtons(call) {
  // E3's listen / whisper / barge (POST /api/supervision/{call_id}/{action}): one
  // place per live call with an agent on it; not on the big screen
  if (BIG || !call.agent) return null;
  const box = el("div", { class: "supervision", role: "group", "aria-label": S.supervise });
  for (const action of ["listen", "whisper", "barge"]) {
    const button = el("button", { type: "button", "data-action": action, text: S[action] });
    button.addEventListener("click", () => supervise(call.call_id, action, button));
    box.append(button);
  }
  return box;
}

async function supervise(callId, action, button) {
  phone?.expect(callId); // its ring is answered by the page (supervisor_phone.js)
  try {
    await post(`/api/supervision/${encodeURIComponent(callId)}/${action}`, {});
    announce(`${S[action]}: ${S.saved}`);
  } catch (err) {
    phone?.failed(callId);
    announce(`${S.error}: ${err.message}`);
    button?.setAttribute("aria-invalid", "true");
  }
}

function callItem(c) {
  const kind = c.kind === "human" ? S.human : c.kind === "queue" ? S.queue_kind : S.voicebot;
  const facts = el("dl", {});
  const fact = (label, value, cls) => {
    if (value === null || value === undefined || value === "") return;
    facts.append(el("dt", { text: label }), el("dd", { class: cls, text: String(value) }));
  };
  fact(S.caller, c.caller, "caller");
  fact(S.language, c.language, "language");
  fact(S.topic, c.topic, "topic");
  if (c.confidence !== null && c.confidence !== undefined) {
    fact(S.confidence, `${Math.round(c.confidence * 100)} %`, "confidence");
  }
  fact(S.handed_over, c.handed_over, "handed-over");
  fact(S.agent, c.agent, "agent");
  const lines = el("ol", { class: "transcript", "aria-label": S.transcript });
  for (const [who, text] of c.transcript) {
    lines.append(el("li", { "data-speaker": who }, el("span", { class: "who", text: `${who} : ` }), text));
  }
  return el(
    "li",
    { "data-call-id": c.call_id, "data-kind": c.kind, "data-state": c.state },
    el("h3", {}, `${kind} · `, clock(c.started_at)),
    facts,
    lines,
    supervisionButtons(c),
  );
}

function putCall(c, message) {
  const list = $("#calls");
  const item = callItem(c);
  stamp(item, message);
  const old = list.querySelector(`li[data-call-id="${CSS.escape(c.call_id)}"]`);
  if (old) old.replaceWith(item);
  else list.append(item);
}

function dropCall(callId) {
  $(`#calls li[data-call-id="${CSS.escape(callId)}"]`)?.remove();
}

// --- opening -----------------------------------------------------------------------

function timeOf(iso) {
  return new Date(iso).toLocaleTimeString(boot.lang, { hour: "2-digit", minute: "2-digit" });
}

function putOpening(row, message) {
  const now = $("#opening-now");
  stamp(now, message);
  if (row === null) {
    now.textContent = S.no_opening;
    now.dataset.target = "";
    return;
  }
  now.dataset.target = row.target;
  now.dataset.mode = row.mode;
  now.textContent = `${S["mode_" + row.mode]} — ${row.target === "reception_queue" ? S.to_reception : S.to_voicebot} (${row.detail})`;
  $("#opening-next").textContent = row.next_opening
    ? `${S.next_opening} : ${new Date(row.next_opening).toLocaleString(boot.lang)}`
    : "";
  const list = $("#closures");
  list.replaceChildren();
  for (const c of row.closures) {
    const item = el("li", { "data-closure-id": c.id }, `${timeOf(c.starts_at)}–${timeOf(c.ends_at)} : ${c.reason} `);
    if (!BIG) {
      const remove = el("button", { type: "button", class: "remove", text: S.remove });
      remove.addEventListener("click", () => removeClosure(c.id));
      item.append(remove);
    }
    list.append(item);
  }
  if (!list.children.length) list.append(el("li", { text: S.none }));
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.checked = radio.value === row.mode;
}

// --- the HTTP side (CSRF token from /api/me) ----------------------------------------

async function token() {
  if (csrf === null) {
    const reply = await fetch("/api/me", { credentials: "same-origin" });
    csrf = (await reply.json()).csrf;
  }
  return csrf;
}

async function post(url, body, method = "POST") {
  const reply = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": await token() },
    body: method === "DELETE" ? undefined : JSON.stringify(body),
  });
  if (!reply.ok) {
    const detail = await reply.json().catch(() => ({}));
    throw new Error(typeof detail.detail === "string" ? detail.detail : `HTTP ${reply.status}`);
  }
  return reply.status === 204 ? null : reply.json();
}

async function removeClosure(id) {
  try {
    await post(`/api/wallboard/closures/${id}`, null, "DELETE");
    announce(S.saved);
  } catch (err) {
    announce(`${S.error}: ${err.message}`);
  }
}

function wireControls() {
  $("#mode-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = document.querySelector('input[name="mode"]:checked');
    if (!chosen) return;
    try {
      await post("/api/wallboard/mode", { mode: chosen.value });
      announce(S.saved);
    } catch (err) {
      announce(`${S.error}: ${err.message}`);
    }
  });
  $("#closure-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await post("/api/wallboard/closures", {
        reason: form.reason.value,
        starts: form.from.value,
        ends: form.to.value,
      });
      form.reset();
      announce(S.saved);
    } catch (err) {
      announce(`${S.error}: ${err.message}`);
    }
  });
}

// --- the socket --------------------------------------------------------------------

function whole(board, message) {
  offset = board.server_time - Date.now() / 1000;
  $("#queues tbody").replaceChildren();
  $("#agents tbody").replaceChildren();
  $("#calls").replaceChildren();
  for (const q of board.queues) putQueue(q, message);
  for (const a of board.agents) putAgent(a, message);
  for (const c of board.calls) putCall(c, message);
  synced(board.synced);
}

function synced(ok) {
  const conn = $("#conn");
  conn.dataset.synced = ok ? "true" : "false";
  conn.title = ok ? "" : S.stale;
}

function onMessage(m) {
  switch (m.type) {
    case "wallboard": whole(m, m); break;
    case "queue": putQueue(m.row, m); break;
    case "agent": putAgent(m.row, m); break;
    case "call": putCall(m.row, m); break;
    case "call_gone": dropCall(m.call_id); break;
    case "opening": putOpening(m.row, m); break;
    case "synced": synced(m.synced); break;
    default: break;
  }
}

function connect(delay = 500) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${window.location.host}/api/wallboard`);
  const conn = $("#conn");
  ws.addEventListener("open", () => {
    conn.dataset.state = "open";
    conn.textContent = S.connected;
    delay = 500;
  });
  ws.addEventListener("message", (event) => {
    try {
      onMessage(JSON.parse(event.data));
    } catch (err) {
      console.error("wallboard: bad message", err);
    }
  });
  ws.addEventListener("close", () => {
    conn.dataset.state = "lost";
    conn.textContent = S.lost;
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  });
}

async function startPhone() {
  if (BIG || boot.role !== "supervisor") return;
  const { startSupervisorPhone } = await import("./supervisor_phone.js");
  phone = startSupervisorPhone(S, announce, post);
  // what a row's button does, by call id (browser tests, console)
  phone.supervise = (callId, action) => supervise(callId, action, null);
}

wireControls();
connect();
startPhone().catch((err) => console.error("wallboard: no softphone", err));
setInterval(tick, 1000);
