// widget.js's entry (bundled by esbuild at set-up time: agent_softphone/web,
// `npm run build:widget`): the widget mounts itself from its own <script> tag.
import { registerAction } from "./hooks.js";
import { mount } from "./widget.js";

// --- plug-ins: modules that add an action to the widget's toolbar (hooks.js) ---
// the "call the city hall" button (W2's call.js, a plain script: window.GuichetCall);
// a page can leave it out with data-call="off" on the widget's script tag
import "./call.js";

const script =
  document.currentScript || document.querySelector('script[src$="/widget.js"][data-city], script[src$="/widget.js"]');

function start() {
  if (!script || window.GuichetWidget?.mounted) return;
  if (window.GuichetCall?.mountCallButton && script.dataset.call !== "off") {
    registerAction({
      id: "call",
      mount: (container, ctx) => window.GuichetCall.mountCallButton(container, { base: ctx.base, lang: ctx.lang }),
    });
  }
  window.GuichetWidget = { registerAction, mounted: true, widget: mount(script) };
}

window.GuichetWidget = window.GuichetWidget || { registerAction };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
