// The visitor's HTTP API on Guichet (another origin than the page): JSON, no cookie
// (credentials "omit"), the conversation named by its token in X-Chat-Token.
export class ChatApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

export class ChatApi {
  constructor(base) {
    this.base = base;
    this.token = null;
  }

  async call(method, path, body, params = {}) {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers["X-Chat-Token"] = this.token;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "omit",
        mode: "cors",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ChatApiError(0, "");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ChatApiError(response.status, typeof data.detail === "string" ? data.detail : "");
    }
    return data;
  }

  async start(lang, city) {
    const data = await this.call("POST", "/api/chat/conversations", { lang, city });
    this.token = data.token;
    return data;
  }

  send(text, after) {
    return this.call("POST", "/api/chat/messages", { text }, { after });
  }

  poll(after, wait) {
    return this.call("GET", "/api/chat/messages", undefined, { after, wait });
  }

  offer(kind, after) {
    return this.call("POST", `/api/chat/${kind}`, {}, { after });
  }

  callback(number, after) {
    return this.call("POST", "/api/chat/callback", { number }, { after });
  }
}
