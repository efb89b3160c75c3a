// Supervision (E3): a discreet indicator on the agent's call panel while a
// supervisor listens, whispers or barges (the call.supervision event the call side
// publishes once it is true; "off" when it ends). Its own words: the page's strings
// are the desk's.
import { $, el, announce } from "./dom.js";
import { lang } from "./i18n.js";

const WORDS = {
  fr: { listen: "Superviseur en écoute", whisper: "Superviseur : chuchotement", barge: "Superviseur en ligne" },
  en: { listen: "Supervisor listening", whisper: "Supervisor whispering", barge: "Supervisor on the call" },
};

function indicator() {
  let node = document.getElementById("supervision-indicator");
  if (!node) {
    node = el("p", { id: "supervision-indicator", role: "status", class: "supervision", hidden: "" });
    $("call-status").after(node);
  }
  return node;
}

export function onSupervision(event) {
  const node = indicator();
  const words = WORDS[lang] ?? WORDS.fr;
  if (event.mode === "off" || !words[event.mode]) {
    node.hidden = true;
    node.textContent = "";
    delete node.dataset.mode;
    return;
  }
  node.dataset.mode = event.mode;
  node.dataset.callId = event.call_id;
  node.textContent = words[event.mode];
  node.hidden = false;
  announce(words[event.mode]);
}
