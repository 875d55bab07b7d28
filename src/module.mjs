/* Pledge widget, ES module entry (bundlers, <script type="module">): importing it loads the
 * classic loader embed.js from beside this file (or from the base given to load()), which
 * defines <pledge-widget> and window.PledgeWidget; mount() waits for it. One implementation of
 * the widget's JS API (embed.js), so the three ways in and this one behave alike. Types:
 * pledge-widget.d.ts. .ci/build-widget substitutes __VERSION__ and ships it as pledge-widget.mjs. */
let ready = null;

export function load(base) {
  if (!ready) {
    ready = new Promise(function (resolve, reject) {
      if (window.PledgeWidget && typeof window.PledgeWidget.mount === "function") {
        resolve(window.PledgeWidget);
        return;
      }
      var script = document.createElement("script");
      script.src = new URL("embed.js", base || new URL(".", import.meta.url)).href;
      script.async = true;
      script.onload = function () {
        customElements.whenDefined("pledge-widget").then(function () { resolve(window.PledgeWidget); });
      };
      script.onerror = function () {
        ready = null;
        script.remove();
        reject(new Error("[pledge-widget] could not load " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return ready;
}

export function mount(element, options) {
  return load().then(function (api) { return api.mount(element, options); });
}

export const version = "__VERSION__";

// Registers <pledge-widget> on import; a page that calls load(base) in the same task first
// (a bundle that moved this file away from the widget's files) gets its base instead.
queueMicrotask(function () { load().catch(function (e) { console.error(String(e)); }); });
