/* pledge-widget 0.1.0, source: src/embed.js */
(function () {
"use strict";
var TAG = "[pledge-widget] ";
var OPTS = ["endpoint", "campaign", "lang", "theme", "accent", "layout", "title", "strings"];
var CALLBACKS = { ready: "onReady", signed: "onSigned", error: "onError" };
var self = document.currentScript ||
document.querySelector('script[src*="embed.js"][data-campaign]');
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
var wasm = fetch(new URL("pledge_widget-eda496c8.wasm", base).href);
wasm.catch(function () {  });
loading = import(new URL("pledge_widget-95791edf.js", base).href).then(function (m) {
return m.default({ module_or_path: wasm }).then(function () { return m; });
});
loading.catch(function () { loading = null; });
}
return loading;
}
function emit(el, name, detail) {
el.dispatchEvent(new CustomEvent("pledge:" + name, { bubbles: true, composed: true, detail: detail }));
}
function mount(element, options) {
return new Promise(function (resolve) {
if (element.__pledgeHandle) element.__pledgeHandle.unmount();
var root = element.shadowRoot || element.attachShadow({ mode: "open" });
var opts = {}, listeners = [], live = true, inner = null, shown = null;
options = options || {};
if (options.__attrs) opts.via = "attributes";
OPTS.forEach(function (k) {
var v = options[k];
if (v != null) opts[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
});
opts.locales = new URL("locales/", base).href + " ar-4db52e21 de-51036bb1 es-c8ece48e fr-a4d2895d ht-2a2f9183 it-373393b0 ko-c1a0f21c pt-f66805a1 tl-a36d8335 vi-f5985d35 zh-hant-452a3e91 zh-5e112109";
Object.keys(CALLBACKS).forEach(function (name) {
var cb = options[CALLBACKS[name]];
if (typeof cb !== "function") return;
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
try { if (inner) { inner.unmount(); inner.free(); } } catch (e) {  }
if (shown) shown.remove();
if (element.__pledgeHandle === handle) element.__pledgeHandle = null;
}
};
element.__pledgeHandle = handle;
resolve(load().then(function (m) {
if (live) inner = m.mount(root, opts);
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
try {
var sheet = new CSSStyleSheet();
sheet.replaceSync(":host{all:initial;display:block}p{margin:0;padding:1em;font:1em system-ui,sans-serif;color:#57606a;border:1px solid #6e7781;border-radius:8px}");
root.adoptedStyleSheets = [sheet];
} catch (e) {  }
root.appendChild(shown);
var url = localeUrl(opts.lang);
if (url) fetch(url).then(function (r) { return r.ok ? r.text() : ""; }).then(function (t) {
var m = t.split("\n")[4];
if (m) shown.textContent = m;
}).catch(function () {});
emit(element, "error", { campaign: opts.campaign, code: "load_failed", message: msg });
}
return handle;
}));
});
}
function localeUrl(lang) {
var wanted = [lang, document.documentElement.lang].concat(navigator.languages || []);
for (var i = 0; i < wanted.length; i++) {
var p = String(wanted[i] || "").toLowerCase().split("-");
var l = p[0] === "fil" ? "tl" : p[0];
if (l === "en") return null;
if (l === "zh" && /^(hant|tw|hk|mo)$/.test(p[1])) l = "zh-hant";
var stem = /^[a-z]{2,3}(-hant)?$/.test(l) && " ar-4db52e21 de-51036bb1 es-c8ece48e fr-a4d2895d ht-2a2f9183 it-373393b0 ko-c1a0f21c pt-f66805a1 tl-a36d8335 vi-f5985d35 zh-hant-452a3e91 zh-5e112109 ".match(new RegExp(" (" + l + "-[0-9a-f]{8}) "));
if (stem) return new URL("locales/" + stem[1] + ".txt", base).href;
}
return null;
}
var api = existing || { mount: mount, version: "0.1.0" };
function fromAttributes(el, prefix) {
var o = { __attrs: 1 };
OPTS.forEach(function (k) {
var v = el.getAttribute(prefix + k);
if (v == null && !prefix) v = el.getAttribute("data-" + k);
if (v != null) o[k] = v;
});
return o;
}
if (!existing) window.PledgeWidget = api;
if (window.customElements && !customElements.get("pledge-widget")) {
customElements.define("pledge-widget", class extends HTMLElement {
static get observedAttributes() { return OPTS.concat(OPTS.map(function (k) { return "data-" + k; })); }
connectedCallback() { this.update(); }
attributeChangedCallback() { if (this.isConnected) this.update(); }
disconnectedCallback() { if (this.__pledgeHandle) this.__pledgeHandle.unmount(); }
update() {
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
var host = document.createElement("pledge-widget");
var o = fromAttributes(script, "data-");
OPTS.forEach(function (k) { if (o[k] != null) host.setAttribute(k, o[k]); });
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
