(function () {
"use strict";
var doc = document.documentElement;
if (doc.hasAttribute("data-pledge-frame")) {
var last = -1;
document.body.style.setProperty("margin", "0");
new ResizeObserver(function () {
var h = Math.ceil(doc.getBoundingClientRect().height);
if (h !== last) {
last = h;
window.parent.postMessage({ type: "pledge:resize", height: h }, "*");
}
}).observe(doc);
document.addEventListener("pledge:signed", function (e) {
var d = e.detail || {};
window.parent.postMessage({ type: "pledge:signed", detail: { campaign: d.campaign, count: d.count, status: d.status } }, "*");
});
return;
}
var script = document.currentScript;
var own;
try {
own = new URL(script && script.src).origin;
} catch (err) {
return; // not loaded from a server (inlined?): no frame to trust
}
window.addEventListener("message", function (e) {
var d = e.data;
var signed = d && d.type === "pledge:signed" && d.detail && typeof d.detail.campaign === "string";
if (!d || !signed && (d.type !== "pledge:resize" || typeof d.height !== "number")) return;
var frames = document.getElementsByTagName("iframe");
for (var i = 0; i < frames.length; i++) {
var f = frames[i];
if (f.contentWindow !== e.source) continue;
try {
var src = new URL(f.src, location.href);
if (src.origin !== own || e.origin !== own || src.pathname.indexOf("/embed/") !== 0) return;
} catch (err) {
return;
}
if (signed) {
var c = d.detail;
f.dispatchEvent(new CustomEvent("pledge:signed", { bubbles: true, composed: true, detail: {
campaign: c.campaign, count: typeof c.count === "number" ? c.count : null, status: c.status === "already_signed" ? c.status : "signed"
} }));
return;
}
f.style.setProperty("height", Math.max(0, Math.min(Math.ceil(d.height), 20000)) + "px");
f.style.setProperty("border", "0");
return;
}
});
})();
