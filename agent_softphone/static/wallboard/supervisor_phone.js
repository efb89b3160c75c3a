// The supervisor's softphone on the wallboard: listen / whisper / barge ring the
// supervisor's own WebRTC endpoint (PJSIP/<username>, pbx/supervision). The desk's
// phone module registers it; the ring the page asked for (a request pending, and the
// caller name "Supervision" that pbx/supervision sets on its originate) is answered
// at once, the audio played by the page's <audio> element. Any other ring is refused:
// this page is not a desk. "Stop" ends the supervision on the server.
import { Phone } from "/experts/assets/phone.js";

const RING_NAME = "Supervision"; // pbx/supervision/session.py: callerId "Supervision <agent>"

export function startSupervisorPhone(S, announce, post) {
  const phone = new Phone();
  const status = document.getElementById("conn-phone");
  const stop = document.getElementById("supervision-stop");
  let expecting = null; // the call id whose supervision this page just asked for
  let current = null; // the call id being supervised (its leg answered here)

  function showState(state) {
    status.dataset.state = state;
    status.textContent = S[`phone_${state}`] ?? state;
  }

  phone.addEventListener("registration", ({ detail }) => showState(detail.state));
  phone.addEventListener("incoming", ({ detail }) => {
    if (expecting !== null && detail.name === RING_NAME) {
      current = expecting;
      phone.answer();
    } else {
      phone.hangup(); // not a ring this page asked for
    }
  });
  phone.addEventListener("confirmed", () => {
    stop.disabled = false;
    stop.dataset.callId = current ?? "";
    announce(S.phone_in_call);
  });
  phone.addEventListener("ended", () => {
    expecting = null;
    current = null;
    stop.disabled = true;
    stop.dataset.callId = "";
  });
  stop.addEventListener("click", async () => {
    const callId = current;
    if (callId === null) return;
    try {
      await post(`/api/supervision/${encodeURIComponent(callId)}/stop`, {});
      announce(S.phone_stopped);
    } catch (err) {
      announce(`${S.error}: ${err.message}`);
    } finally {
      phone.hangup(); // the server hangs the leg up too; this side needs no wait
    }
  });

  showState("registering");
  phone.start(document.getElementById("supervision-audio")).catch(() => showState("failed"));
  const control = {
    phone,
    // before the request leaves: its ring may come before the reply does
    expect(callId) {
      if (current === null) expecting = callId;
    },
    failed(callId) {
      if (expecting === callId && current === null) expecting = null;
    },
    state: () => ({ expecting, current, registered: status.dataset.state === "registered" }),
  };
  window.guichetWallboard = control; // browser tests, console
  return control;
}
