/* pledge-widget 0.1.0, source: src/embed.js */
(function () {
"use strict";
var TAG = "[pledge-widget] ";
var OPTS = ["endpoint", "campaign", "lang", "theme", "accent", "layout", "title"];
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
loading = import(new URL("pledge_widget-ace38863.js", base).href).then(function (m) {
return m.default({ module_or_path: new URL("pledge_widget-ef7dba27.wasm", base).href }).then(function () { return m; });
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
OPTS.forEach(function (k) { if (options && options[k] != null) opts[k] = String(options[k]); });
resolve(load().then(function (m) {
var inner = m.mount(root, opts);
element.__pledgeWidget = true;
return {
element: element,
unmount: function () {
try { inner.unmount(); inner.free(); } catch (e) {  }
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
if (!existing) window.PledgeWidget = { mount: mount, version: "0.1.0" };
if (document.readyState === "loading") {
document.addEventListener("DOMContentLoaded", function () { scan(null); });
}
scan(self);
})();
