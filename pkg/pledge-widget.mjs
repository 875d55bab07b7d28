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
export const version = "0.1.0";
queueMicrotask(function () { load().catch(function (e) { console.error(String(e)); }); });
