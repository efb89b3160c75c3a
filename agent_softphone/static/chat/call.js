/* The website's "call the city hall" button (issue 14): a voice call from the
 * visitor's browser to Guichet over WebRTC; the offer/answer goes over Guichet's
 * HTTPS API (/api/webcall/offer), never to Asterisk, whose ports stay closed.
 *
 * Plain script, no dependency. The chat widget mounts it in its panel:
 *     GuichetCall.mountCallButton(container, { base: "https://guichet.example", lang: "fr" })
 * or a page starts a call itself:
 *     const call = await GuichetCall.startCall({ base, lang, onStatus, onRemoteStream })
 *     call.hangup()
 */
(function () {
  "use strict";

  const TEXT = {
    fr: {
      call: "Appeler la mairie",
      hangup: "Raccrocher",
      connecting: "Connexion en cours…",
      in_call: "Appel en cours. Parlez après le message d'accueil.",
      ended: "Appel terminé.",
      mic_denied:
        "Le micro est refusé : autorisez-le dans votre navigateur pour appeler, ou utilisez le chat.",
      no_mic: "Aucun micro n'a été trouvé sur cet appareil : utilisez le chat ou appelez-nous par téléphone.",
      unsupported: "Votre navigateur ne permet pas l'appel : utilisez le chat ou le téléphone.",
      failed: "L'appel n'a pas pu être établi. Réessayez ou utilisez le chat.",
    },
    en: {
      call: "Call the city hall",
      hangup: "Hang up",
      connecting: "Connecting…",
      in_call: "Call in progress. Speak after the greeting.",
      ended: "Call ended.",
      mic_denied:
        "Microphone access was refused: allow it in your browser to call, or use the chat.",
      no_mic: "No microphone was found on this device: use the chat or call us by phone.",
      unsupported: "Your browser cannot make this call: use the chat or the phone.",
      failed: "The call could not be set up. Try again or use the chat.",
    },
  };

  class CallError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status; // a TEXT key, or "refused" (message from the server)
    }
  }

  function words(lang) {
    return TEXT[lang] || TEXT.fr;
  }

  async function microphone(lang) {
    if (!navigator.mediaDevices || !window.RTCPeerConnection) {
      throw new CallError("unsupported", words(lang).unsupported);
    }
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      if (err && (err.name === "NotAllowedError" || err.name === "SecurityError")) {
        throw new CallError("mic_denied", words(lang).mic_denied);
      }
      if (err && (err.name === "NotFoundError" || err.name === "OverconstrainedError")) {
        throw new CallError("no_mic", words(lang).no_mic);
      }
      throw new CallError("failed", words(lang).failed);
    }
  }

  function gathered(pc, timeoutMs) {
    // one offer with its candidates: the API has no trickle
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", done);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(resolve, timeoutMs);
      pc.addEventListener("icegatheringstatechange", done);
    });
  }

  async function startCall(options) {
    const base = (options.base || "").replace(/\/$/, "");
    const lang = options.lang === "en" ? "en" : "fr";
    const status = options.onStatus || function () {};
    status("connecting", words(lang).connecting);
    const mic = await microphone(lang);
    let config = { ice_servers: [] };
    try {
      const reply = await fetch(base + "/api/webcall/config", { credentials: "omit" });
      if (reply.ok) config = await reply.json();
    } catch (_err) {
      // no configuration: local candidates only
    }
    const pc = new RTCPeerConnection({ iceServers: config.ice_servers || [] });
    mic.getTracks().forEach((track) => pc.addTrack(track, mic));
    const remote = new Promise((resolve) => {
      pc.addEventListener("track", (event) => resolve(event.streams[0] || new MediaStream([event.track])));
    });
    let callId = null;
    const stop = () => {
      mic.getTracks().forEach((track) => track.stop());
      if (pc.connectionState !== "closed") pc.close();
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, 3000);
      const reply = await fetch(base + "/api/webcall/offer", {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer", lang: lang }),
      });
      const body = await reply.json().catch(() => ({}));
      if (!reply.ok) {
        throw new CallError("refused", body.detail || words(lang).failed);
      }
      callId = body.id;
      await pc.setRemoteDescription({ type: body.type, sdp: body.sdp });
    } catch (err) {
      stop();
      if (err instanceof CallError) throw err;
      throw new CallError("failed", words(lang).failed);
    }
    pc.addEventListener("connectionstatechange", () => {
      if (["failed", "closed", "disconnected"].includes(pc.connectionState)) {
        status("ended", words(lang).ended);
      }
    });
    remote.then((stream) => {
      if (options.onRemoteStream) options.onRemoteStream(stream);
    });
    status("in_call", words(lang).in_call);
    return {
      id: callId,
      pc: pc,
      remote: remote,
      hangup: async function () {
        stop();
        if (callId) {
          await fetch(base + "/api/webcall/" + encodeURIComponent(callId) + "/hangup", {
            method: "POST",
            credentials: "omit",
          }).catch(() => {});
        }
        status("ended", words(lang).ended);
      },
    };
  }

  /* A button and a polite live region (screen readers hear each status). */
  function mountCallButton(container, options) {
    const lang = options.lang === "en" ? "en" : "fr";
    const text = words(lang);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "guichet-call";
    button.textContent = text.call;
    const statusLine = document.createElement("p");
    statusLine.className = "guichet-call-status";
    statusLine.setAttribute("role", "status");
    statusLine.setAttribute("aria-live", "polite");
    const audio = document.createElement("audio");
    audio.autoplay = true;
    container.append(button, statusLine, audio);
    let call = null;
    const show = (_status, message) => {
      statusLine.textContent = message;
    };
    button.addEventListener("click", async () => {
      if (call) {
        const ending = call;
        call = null;
        button.textContent = text.call;
        await ending.hangup();
        return;
      }
      button.disabled = true;
      try {
        call = await startCall({
          base: options.base,
          lang: lang,
          onStatus: (status, message) => {
            show(status, message);
            if (status === "ended") {
              call = null;
              button.textContent = text.call;
            }
          },
          onRemoteStream: (stream) => {
            audio.srcObject = stream;
          },
        });
        button.textContent = text.hangup;
      } catch (err) {
        show(err.status || "failed", err.message || text.failed);
      } finally {
        button.disabled = false;
        button.focus();
      }
    });
    return { button: button, status: statusLine };
  }

  window.GuichetCall = { startCall: startCall, mountCallButton: mountCallButton, TEXT: TEXT };
})();
