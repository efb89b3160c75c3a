// Small DOM helpers: find by id, build elements, announce to screen readers.
export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// aria-live="assertive": ringing, a lost connection, a refused change
export function announce(text) {
  const region = $("announce");
  region.textContent = "";
  // a new text node, a tick later: screen readers announce a repeat too
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

export function timeOf(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return at.toLocaleTimeString(document.documentElement.lang, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}
