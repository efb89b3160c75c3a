// The softphone: one JsSIP user agent over the same-origin /sip websocket, with the
// account's own SIP identity from GET /api/me/sip (the person never types it).
// JsSIP reconnects its websocket by itself and registers again; the page is told.
import { getJSON } from "./api.js";

export class Phone extends EventTarget {
  constructor() {
    super();
    this.ua = null;
    this.session = null; // the call on screen
    this.consult = null; // the second call of an attended transfer
    this.micId = "";
    this.audio = null;
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  async start(audioElement) {
    this.audio = audioElement;
    const sip = await getJSON("/api/me/sip");
    this.domain = new URL(sip.uri.replace(/^sip:/, "http://")).hostname;
    const socket = new window.JsSIP.WebSocketInterface(sip.ws_url);
    this.ua = new window.JsSIP.UA({
      sockets: [socket],
      uri: sip.uri,
      password: sip.password,
      authorization_user: sip.user,
      display_name: sip.display_name,
      register: true,
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 10,
    });
    this.iceServers = sip.ice_servers ?? [];
    this.ua.on("connecting", () => this.emit("registration", { state: "registering" }));
    this.ua.on("disconnected", () => this.emit("registration", { state: "disconnected" }));
    this.ua.on("registered", () => this.emit("registration", { state: "registered" }));
    this.ua.on("unregistered", () => this.emit("registration", { state: "unregistered" }));
    this.ua.on("registrationFailed", (e) =>
      this.emit("registration", { state: "failed", cause: e.cause }),
    );
    this.ua.on("newRTCSession", (e) => this.onSession(e));
    this.ua.start();
  }

  onSession({ session, originator, request }) {
    if (originator === "remote") {
      if (this.session) {
        session.terminate({ status_code: 486 }); // one call at a time on this desk
        return;
      }
      this.session = session;
      const from = request.from;
      this.watch(session, "main");
      this.emit("incoming", {
        number: from.uri.user,
        name: from.display_name || "",
      });
    }
  }

  watch(session, role) {
    session.on("peerconnection", (e) => this.attachAudio(e.peerconnection));
    session.on("confirmed", () => {
      if (session.connection) this.attachAudio(session.connection);
      this.emit("confirmed", { role });
    });
    const ended = (e) => {
      if (role === "main" && this.session === session) this.session = null;
      if (role === "consult" && this.consult === session) {
        this.consult = null;
        // back to the caller's audio (the consulted call had taken the speaker)
        if (this.session?.connection) this.attachAudio(this.session.connection);
      }
      this.emit("ended", { role, cause: e.cause });
    };
    session.on("ended", ended);
    session.on("failed", ended);
    session.on("hold", () => this.emit("hold", { role, on: true }));
    session.on("unhold", () => this.emit("hold", { role, on: false }));
  }

  attachAudio(pc) {
    const play = () => {
      const receivers = pc.getReceivers().filter((r) => r.track && r.track.kind === "audio");
      if (receivers.length === 0) return;
      this.audio.srcObject = new MediaStream(receivers.map((r) => r.track));
      this.audio.play().catch(() => {});
    };
    pc.addEventListener("track", play);
    play();
  }

  options() {
    return {
      mediaConstraints: { audio: this.micId ? { deviceId: { exact: this.micId } } : true, video: false },
      pcConfig: { iceServers: this.iceServers },
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
    };
  }

  answer() {
    if (this.session && !this.session.isEstablished()) this.session.answer(this.options());
  }

  hangup() {
    if (this.consult) this.consult.terminate();
    if (this.session) this.session.terminate();
  }

  toggleHold() {
    const s = this.session;
    if (!s || !s.isEstablished()) return;
    if (s.isOnHold().local) s.unhold();
    else s.hold();
  }

  toggleMute() {
    const s = this.session;
    if (!s || !s.isEstablished()) return false;
    const muted = s.isMuted().audio;
    if (muted) s.unmute({ audio: true });
    else s.mute({ audio: true });
    return !muted;
  }

  dtmf(tone) {
    const s = this.consult ?? this.session;
    if (s && s.isEstablished()) s.sendDTMF(tone, { transportType: "RFC2833" });
  }

  target(extension) {
    return `sip:${extension}@${this.domain}`;
  }

  // what a REFER came to: on "accepted" (the far end took the transfer) our leg
  // is done; a refusal leaves the call as it was, and the page says so
  referHandlers(session) {
    return {
      accepted: () => {
        this.emit("transfer", { ok: true });
        if (!session.isEnded()) session.terminate();
      },
      requestFailed: (e) => this.emit("transfer", { ok: false, cause: e.cause }),
      failed: (e) => this.emit("transfer", { ok: false, cause: e?.status_line?.reason_phrase }),
    };
  }

  blindTransfer(extension) {
    const s = this.session;
    if (!s || !s.isEstablished()) return;
    console.log(`desk: blind transfer to ${extension}`);
    s.refer(this.target(extension), { eventHandlers: this.referHandlers(s) });
  }

  consultStart(extension) {
    if (!this.session || !this.session.isEstablished() || this.consult) return;
    if (!this.session.isOnHold().local) this.session.hold();
    this.consult = this.ua.call(this.target(extension), this.options());
    this.watch(this.consult, "consult");
  }

  consultComplete() {
    if (!this.session || !this.consult) return;
    // REFER with Replaces: the caller takes the consulted call's place
    this.session.refer(this.consult.remote_identity.uri.toString(), {
      replaces: this.consult,
      eventHandlers: this.referHandlers(this.session),
    });
  }

  consultCancel() {
    if (this.consult) this.consult.terminate();
    if (this.session && this.session.isOnHold().local) this.session.unhold();
  }

  // a microphone chosen mid-call replaces the track being sent
  async useMicrophone(deviceId) {
    this.micId = deviceId;
    const s = this.session;
    if (!s || !s.connection) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: deviceId ? { deviceId: { exact: deviceId } } : true,
    });
    const [track] = stream.getAudioTracks();
    for (const sender of s.connection.getSenders()) {
      if (sender.track && sender.track.kind === "audio") await sender.replaceTrack(track);
    }
  }

  async useSpeaker(deviceId) {
    if (typeof this.audio.setSinkId === "function") await this.audio.setSinkId(deviceId);
  }
}
