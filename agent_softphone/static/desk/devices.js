// Microphone and speaker choice (enumerateDevices; setSinkId where the browser has it).
import { $, el } from "./dom.js";

async function fill(phone) {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const mic = $("mic");
  const speaker = $("speaker");
  const pick = (select, kind) => {
    const keep = select.value;
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) => el("option", { value: d.deviceId }, d.label || `${kind} ${i + 1}`)),
    );
    if (keep) select.value = keep;
  };
  pick(mic, "audioinput");
  pick(speaker, "audiooutput");
  speaker.disabled = typeof phone.audio?.setSinkId !== "function";
}

export async function setupDevices(phone) {
  if (!navigator.mediaDevices?.enumerateDevices) return;
  $("mic").addEventListener("change", () => phone.useMicrophone($("mic").value));
  $("speaker").addEventListener("change", () => phone.useSpeaker($("speaker").value));
  navigator.mediaDevices.addEventListener("devicechange", () => fill(phone));
  await fill(phone);
}
