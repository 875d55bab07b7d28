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
if (!d || d.type !== "pledge:resize" || typeof d.height !== "number") return;
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
f.style.setProperty("height", Math.max(0, Math.min(Math.ceil(d.height), 20000)) + "px");
f.style.setProperty("border", "0");
return;
}
});
})();
