// The web app's HTTP API: JSON in and out, the session's CSRF token on every
// state-changing request (read once from GET /api/me).
let csrf = null;

async function token() {
  if (csrf === null) {
    const me = await getJSON("/api/me");
    csrf = me.csrf;
  }
  return csrf;
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

async function reply(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401) window.location.assign("/login?next=/desk");
    throw new ApiError(response.status, typeof body.detail === "string" ? body.detail : "");
  }
  return body;
}

export async function getJSON(url) {
  return reply(await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

export async function postJSON(url, body = {}) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRF-Token": await token(),
    },
    body: JSON.stringify(body),
  });
  return reply(response);
}
