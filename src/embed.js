/* Pledge widget loader (classic script). Three ways in, one behaviour, the same option names:
 *   1. <script src="https://HOST/widget/embed.js" data-endpoint="https://HOST/api/v1"
 *              data-campaign="SLUG" async></script>
 *      mounts a <pledge-widget> element right after the script tag;
 *   2. <pledge-widget endpoint="…" campaign="…"></pledge-widget> anywhere, at any time
 *      (attributes are observed: changing one remounts; removing the element unmounts);
 *   3. window.PledgeWidget.mount(element, {endpoint, campaign, …, onReady, onSigned, onError})
 *      -> Promise<{element, unmount()}>. Snippets load this file `async`, so page code waits
 *      for it with `await customElements.whenDefined("pledge-widget")`: the element is defined
 *      only once window.PledgeWidget is set (both below), loaded once or twice.
 * <div data-pledge-widget data-endpoint=… data-campaign=…> targets present at load also mount.
 * Each widget lives in an open shadow root; the wasm module loads once per page. The only
 * global is window.PledgeWidget = { mount, version }. Nothing here throws into the host page.
 * .ci/build-widget substitutes the __TOKENS__ below. */
(function () {
  "use strict";
  var TAG = "[pledge-widget] ";
  // Attribute names (`data-` + name on a script tag or div); mount() keys are their camelCase.
  var OPTS = ["endpoint", "campaign", "lang", "theme", "accent", "layout", "title", "heading-level", "strings"];
  function key(k) { return k.replace(/-(.)/g, function (m, c) { return c.toUpperCase(); }); }
  // JS API callbacks, keyed by the pledge:* event each one mirrors.
  var CALLBACKS = { ready: "onReady", signed: "onSigned", error: "onError" };
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
      // The wasm is fetched alongside the JS module, not after it: one round trip less before
      // the form (on a phone's 150 ms link, most of the difference). The glue awaits it.
      var wasm = fetch(new URL("__WASM__", base).href);
      wasm.catch(function () { /* reported through the module's start below */ });
      loading = import(new URL("__MODULE__", base).href).then(function (m) {
        return m.default({ module_or_path: wasm }).then(function () { return m; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  // Requests started with the module rather than after it (the campaign document, the language
  // file), by URL: the module takes their answers (src/browser/prefetch.rs) instead of asking
  // again, so they arrive while the wasm downloads and compiles. One request per URL, shared by
  // every widget that mounts while it is fresh. Nothing here throws.
  var early = {};

  // The request for `url` while its answer is fresh: in flight, or arrived within 5 s (a later
  // mount, e.g. after an attribute change, asks anew).
  function fresh(url) {
    var e = early[url];
    if (e && Date.now() - e.at > 5e3) e = delete early[url] && null;
    return e;
  }

  // Aborted after 15 s like the module's own requests (where the browser has AbortSignal.timeout).
  function get(url) {
    return fetch(url, AbortSignal.timeout ? { signal: AbortSignal.timeout(15e3) } : {});
  }

  function prefetch(url) {
    if (!url || fresh(url)) return;
    try {
      // A failed one is forgotten: a later mount asks anew.
      var e = early[url] = { p: get(url) };
      e.p.then(function () { e.at = Date.now(); }, function () { if (early[url] === e) delete early[url]; });
    } catch (err) { /* no fetch here: the module asks itself */ }
  }

  // For the module: a promise of a copy of the fresh answer to `url` (asked again if the early
  // request failed: the fallback is the request the module would have made), or nothing.
  function prefetched(url) {
    var e = fresh(url);
    if (e) return e.p.then(function (r) { return r.clone(); }, function () { return get(url); });
  }

  function emit(el, name, detail) {
    el.dispatchEvent(new CustomEvent("pledge:" + name, { bubbles: true, composed: true, detail: detail }));
  }

  function mount(element, options) {
    return new Promise(function (resolve) {
      // One widget per element: mounting again replaces it.
      if (element.__pledgeHandle) element.__pledgeHandle.unmount();
      var root = element.shadowRoot || element.attachShadow({ mode: "open" });
      var opts = {}, listeners = [], live = true, inner = null, shown = null;
      options = options || {};
      // Errors name options as the partner wrote them: data-* attributes or mount() keys.
      if (options.__attrs) opts.via = "attributes";
      OPTS.forEach(function (k) {
        var v = options[key(k)];
        // `strings` may be an object (JS API) or JSON text (data-strings): the wasm reads JSON.
        if (v != null) opts[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
      });
      // Where the language files are: the locales/ URL, then each file's `<lang>-<hash>` stem.
      opts.locales = new URL("locales/", base).href + " __LOCALES__";
      opts.prefetched = prefetched;
      Object.keys(CALLBACKS).forEach(function (name) {
        var cb = options[CALLBACKS[name]];
        if (typeof cb !== "function") return;
        // Listening before the module runs: a bad-options error fires during mount.
        var fn = function (e) {
          try { cb(e.detail); } catch (err) { console.error(TAG + CALLBACKS[name] + " threw: " + err); }
        };
        element.addEventListener("pledge:" + name, fn);
        listeners.push(["pledge:" + name, fn]);
      });
      var handle = {
        element: element,
        unmount: function () {
          if (!live) return;
          live = false;
          listeners.forEach(function (l) { element.removeEventListener(l[0], l[1]); });
          try { if (inner) { inner.unmount(); inner.free(); } } catch (e) { /* already gone */ }
          if (shown) shown.remove();
          if (element.__pledgeHandle === handle) element.__pledgeHandle = null;
        }
      };
      element.__pledgeHandle = handle;
      var loaded = load();
      // The campaign document's URL as the module makes it (src/options.rs); options it would
      // refuse fetch nothing.
      var endpoint = (opts.endpoint || "").trim().replace(/\/+$/, ""), slug = (opts.campaign || "").trim();
      if (/^https?:\/\/[a-z0-9[]\S*$/i.test(endpoint) && /^[a-z0-9-]{1,64}$/.test(slug)) prefetch(endpoint + "/campaigns/" + slug);
      prefetch(localeUrl(opts.lang));
      resolve(loaded.then(function (m) {
        // Unmounted while the module loaded: start nothing.
        if (live) inner = m.mount(root, opts);
        // No answer from the endpoint (offline, server down): load again, in place (the same
        // handle and callbacks), when the browser is back online.
        var retry = function (e) {
          if (e.detail.code === "endpoint_unreachable") window.addEventListener("online", function () {
            if (live) { inner.unmount(); inner.free(); inner = m.mount(root, opts); }
          }, { once: true });
        };
        element.addEventListener("pledge:error", retry);
        listeners.push(["pledge:error", retry]);
        return handle;
      }).catch(function (err) {
        var msg = "load_failed: the widget's module could not start: " + ((err && err.message) || err);
        console.error(TAG + msg);
        if (live) {
          shown = document.createElement("p");
          shown.setAttribute("role", "alert");
          shown.textContent = "This pledge form could not start.";
          // Styled like the widget's own notices (constructable sheet: allowed by a strict CSP).
          try {
            var sheet = new CSSStyleSheet();
            sheet.replaceSync(":host{all:initial;display:block}p{margin:0;padding:1em;font:1em system-ui,sans-serif;color:#57606a;border:1px solid #6e7781;border-radius:8px}");
            root.adoptedStyleSheets = [sheet];
          } catch (e) { /* an older browser: unstyled */ }
          root.appendChild(shown);
          // In the widget's language, from its language file (the wasm that would read it is
          // what failed); English when there is none or it cannot be fetched.
          var url = localeUrl(opts.lang);
          if (url) fetch(url).then(function (r) { return r.ok ? r.text() : ""; }).then(function (t) {
            // The wire format (src/locale_file.rs): one value per line, in a fixed order.
            var m = t.split("\n")[__MISCONFIGURED_LINE__];
            if (m) shown.textContent = m;
          }).catch(function () {});
          emit(element, "error", { campaign: opts.campaign, code: "load_failed", message: msg });
        }
        return handle;
      }));
    });
  }

  // The language file the widget would show (its choice, docs/i18n.md: the lang option, the
  // page's <html lang>, the browser's languages; matched as src/i18n.rs `language_of` does:
  // zh-Hant, zh-TW, zh-HK and zh-MO get zh-hant, else the primary subtag), or null for English.
  function localeUrl(lang) {
    var wanted = [lang, document.documentElement.lang].concat(navigator.languages || []);
    for (var i = 0; i < wanted.length; i++) {
      var p = String(wanted[i] || "").toLowerCase().split("-");
      var l = p[0] === "fil" ? "tl" : p[0];
      if (l === "en") return null;
      if (l === "zh" && /^(hant|tw|hk|mo)$/.test(p[1])) l = "zh-hant";
      var stem = /^[a-z]{2,3}(-hant)?$/.test(l) && " __LOCALES__ ".match(new RegExp(" (" + l + "-[0-9a-f]{8}) "));
      if (stem) return new URL("locales/" + stem[1] + ".txt", base).href;
    }
    return null;
  }

  var api = existing || { mount: mount, version: "__VERSION__" };

  function fromAttributes(el, prefix) {
    var o = { __attrs: 1 };
    OPTS.forEach(function (k) {
      var v = el.getAttribute(prefix + k);
      if (v == null && !prefix) v = el.getAttribute("data-" + k);
      if (v != null) o[key(k)] = v;
    });
    return o;
  }

  // Set before <pledge-widget> is defined: customElements.whenDefined() tells the page the
  // API is there (docs/embedding.md, "The JS API").
  if (!existing) window.PledgeWidget = api;

  // <pledge-widget>: mounts when connected, remounts when an option attribute changes,
  // unmounts (listeners, live-count stream) when removed. Defined once per page.
  if (window.customElements && !customElements.get("pledge-widget")) {
    customElements.define("pledge-widget", class extends HTMLElement {
      static get observedAttributes() { return OPTS.concat(OPTS.map(function (k) { return "data-" + k; })); }
      connectedCallback() { this.update(); }
      attributeChangedCallback() { if (this.isConnected) this.update(); }
      disconnectedCallback() { if (this.__pledgeHandle) this.__pledgeHandle.unmount(); }
      update() {
        // Several attribute changes in one task (parsing, upgrade, a script) mount once.
        var el = this;
        if (el.__pledgeQueued) return;
        el.__pledgeQueued = true;
        queueMicrotask(function () {
          el.__pledgeQueued = false;
          if (el.isConnected) api.mount(el, fromAttributes(el, "")).catch(function (e) { console.error(TAG + e); });
        });
      }
    });
  }

  function scan(script) {
    try {
      if (script && script.dataset.campaign != null && !script.__pledgeMounted) {
        script.__pledgeMounted = true;
        // A <pledge-widget> element rather than a <div>: host rules like `div {…}` miss it.
        var host = document.createElement("pledge-widget");
        var o = fromAttributes(script, "data-");
        OPTS.forEach(function (k) { if (o[key(k)] != null) host.setAttribute(k, o[key(k)]); });
        script.parentNode.insertBefore(host, script.nextSibling);
      }
      var targets = document.querySelectorAll("[data-pledge-widget]");
      for (var i = 0; i < targets.length; i++) {
        if (!targets[i].__pledgeHandle) api.mount(targets[i], fromAttributes(targets[i], "data-")).catch(function () {});
      }
    } catch (e) {
      console.error(TAG + e);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(null); });
  }
  scan(self);
})();
