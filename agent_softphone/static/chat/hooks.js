// The widget's extension point: another module (the "call the city hall" button,
// agent_softphone/static/chat/call_button.js, W2) adds an action button to the
// panel's toolbar without touching the widget:
//
//   import { registerAction } from "./hooks.js";
//   registerAction({
//     id: "call",
//     label: { fr: "Appeler la mairie", en: "Call the city hall" },
//     run(ctx) { ... },   // ctx: { base, lang, city, panel, announce(text), status(text) }
//   });
//
// or, for a module that builds its own controls, `mount(container, ctx)` instead of
// `run`: the widget gives it a container in the toolbar (the call button does).
//
// The action's button is a real <button> in the toolbar (keyboard, label, focus);
// `ctx.announce` speaks through the widget's live region. A module bundled into
// widget.js imports it (entry.js); a script loaded apart uses
// window.GuichetWidget.registerAction once the widget has loaded.
const actions = [];
const listeners = [];

export function registerAction(action) {
  const callable = typeof action?.run === "function" || typeof action?.mount === "function";
  if (!action || typeof action.id !== "string" || !callable) {
    throw new TypeError("registerAction({ id, label: { fr, en }, run(ctx) } or { id, mount(container, ctx) })");
  }
  actions.push(action);
  for (const listener of listeners) listener(action);
}

export function onAction(listener) {
  listeners.push(listener);
  for (const action of actions) listener(action);
}
