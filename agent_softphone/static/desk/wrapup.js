// Wrap-up of the call's case in one click (the cases routes): answered at the first
// level (with the card used), escalated to a service (summary drafted, editable),
// a callback booked, or transferred; each with the wrap-up code.
import { getJSON, postJSON } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { current, onCallChange } from "./call.js";

function caseUrl(action) {
  return `/api/cases/${encodeURIComponent(current.caseId)}/${action}`;
}

async function send(action, body) {
  const result = $("wrapup-result");
  result.textContent = "";
  try {
    await postJSON(caseUrl(action), { ...body, code: $("wrapup-code").value.trim() });
    result.textContent = `${t("done")} — ${t(action.replace("-", "_"))}`;
  } catch (error) {
    result.textContent = `${t("failed")}: ${error.message}`;
  }
}

function usedCard() {
  const node = document.querySelector("#cards .card.pinned") ?? document.querySelector("#cards .card");
  return node ? node.dataset.cardId : "";
}

export function setupWrapup() {
  const ids = ["wu-first-level", "wu-draft", "wu-escalate", "wu-callback", "wu-transferred"];
  onCallChange(() => {
    for (const id of ids) $(id).disabled = !current.caseId;
  });
  $("wu-first-level").addEventListener("click", () => send("first-level", { card_id: usedCard() }));
  $("wu-draft").addEventListener("click", async () => {
    try {
      const draft = await getJSON(caseUrl("summary-draft"));
      $("wu-summary").value = draft.text ?? draft.summary ?? "";
    } catch (error) {
      $("wrapup-result").textContent = `${t("failed")}: ${error.message}`;
    }
  });
  $("wu-escalate").addEventListener("click", () =>
    send("escalate", { service: $("wu-service").value, summary: $("wu-summary").value }),
  );
  $("wu-callback").addEventListener("click", () =>
    send("callback", {
      service: $("wu-service").value,
      number: $("wu-number").value.trim(),
      due: $("wu-due").value ? new Date($("wu-due").value).toISOString() : null,
    }),
  );
  $("wu-transferred").addEventListener("click", () =>
    send("transferred", { to: $("transfer-target").value }),
  );
}
