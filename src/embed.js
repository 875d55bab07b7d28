/* Pledge widget loader (classic script). Partners include it once or many times:
 *   <script src="https://HOST/widget/embed.js" data-endpoint="https://HOST/api/v1"
 *           data-campaign="SLUG" async></script>
 * It mounts a widget right after each such script tag and into every
 * <div data-pledge-widget data-endpoint=… data-campaign=…>, each in an open shadow root,
 * loads the wasm module once per page, and exposes one global:
 *   window.PledgeWidget = { mount(element, options) -> Promise<handle>, version }
 * where handle.unmount() removes the widget. It never throws into the host page.
 * .ci/build-widget substitutes the __TOKENS__ below. */
(function () {
  "use strict";
  var TAG = "[pledge-widget] ";
  var OPTS = ["endpoint", "campaign", "lang", "theme", "accent", "layout", "title", "strings"];
  var self = document.currentScript ||
    document.querySelector('script[src*="embed.js"][data-campaign]');
  // Loaded twice: the first copy owns the module; this one only mounts new targets with it.
  var existing = window.PledgeWidget && typeof window.PledgeWidget.mount === "function" ? window.PledgeWidget : null;
  var base;
  try {
    base = new URL(".", (self && self.src) || document.baseURI);
  } catch (e) {
    base = document.baseURI;
  }
  var loading = null;

  function load() {
    if (!loading) {
      loading = import(new URL("__MODULE__", base).href).then(function (m) {
        return m.default({ module_or_path: new URL("__WASM__", base).href }).then(function () { return m; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function notice(root, text) {
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = text;
    root.appendChild(p);
    return p;
  }

  function shadowOf(el) {
    return el.shadowRoot || el.attachShadow({ mode: "open" });
  }

  function fromDataset(el) {
    var o = {};
    OPTS.forEach(function (k) { if (el.dataset[k] != null) o[k] = el.dataset[k]; });
    return o;
  }

  function mount(element, options) {
    return new Promise(function (resolve) {
      var root = shadowOf(element);
      var opts = {};
      OPTS.forEach(function (k) {
        var v = options && options[k];
        // `strings` may be an object (JS API) or JSON text (data-strings): the wasm reads JSON.
        if (v != null) opts[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
      });
      // Where the language files are: the locales/ URL, then each file's `<lang>-<hash>` stem.
      opts.locales = new URL("locales/", base).href + " __LOCALES__";
      resolve(load().then(function (m) {
        var inner = m.mount(root, opts);
        element.__pledgeWidget = true;
        return {
          element: element,
          unmount: function () {
            try { inner.unmount(); inner.free(); } catch (e) { /* already gone */ }
            element.__pledgeWidget = false;
          }
        };
      }).catch(function (err) {
        console.error(TAG + "could not start: " + ((err && err.message) || err));
        var p = notice(root, "The pledge form could not load.");
        return { element: element, unmount: function () { p.remove(); } };
      }));
    });
  }

  function mountOnce(element, options) {
    if (element.__pledgeWidget) return;
    element.__pledgeWidget = true;
    (existing ? existing.mount : mount)(element, options).catch(function () {});
  }

  function scan(script) {
    try {
      if (script && script.dataset.campaign != null && !script.__pledgeMounted) {
        script.__pledgeMounted = true;
        var host = document.createElement("div");
        host.setAttribute("data-pledge-widget-host", "");
        script.parentNode.insertBefore(host, script.nextSibling);
        mountOnce(host, fromDataset(script));
      }
      var targets = document.querySelectorAll("[data-pledge-widget]");
      for (var i = 0; i < targets.length; i++) mountOnce(targets[i], fromDataset(targets[i]));
    } catch (e) {
      console.error(TAG + e);
    }
  }

  if (!existing) window.PledgeWidget = { mount: mount, version: "__VERSION__" };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(null); });
  }
  scan(self);
})();
