// A websocket that comes back by itself: after a drop it reconnects with a growing
// delay (0.5 s → 10 s) and says so through onStatus("lost" | "open" | "reopened").
export class LiveSocket {
  constructor(path, { onMessage, onStatus }) {
    this.path = path;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.delay = 500;
    this.opened = false;
    this.stopped = false;
    this.connect();
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${this.path}`;
  }

  connect() {
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.delay = 500;
      this.onStatus(this.opened ? "reopened" : "open");
      this.opened = true;
    });
    ws.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(data);
    });
    ws.addEventListener("close", () => {
      if (this.stopped) return;
      this.onStatus("lost");
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    });
  }

  close() {
    this.stopped = true;
    this.ws?.close();
  }
}
