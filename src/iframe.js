/* Pledge widget, iframe mode. One file, two roles:
 * - inside the page GET /embed/{campaign} (its <html> carries data-pledge-frame) it tells the
 *   parent the page's height whenever it changes: postMessage({type: "pledge:resize", height}).
 *   The height is no secret, so any parent may hear it ("*"). It also tells the parent when
 *   the visitor has signed: postMessage({type: "pledge:signed", detail: {campaign, count,
 *   status}}), the public detail of the widget's pledge:signed event (never a name or email);
 *   only the campaign's allowed origins may frame the page (frame-ancestors).
 * - on the partner page it listens for those messages and sets the height of the iframe that
 *   sent one, only if that iframe's src is this server's /embed/ page (the origin this script
 *   came from) and the message comes from that origin: other frames on the page cannot use it
 *   to resize themselves. It also removes that iframe's border, so the snippet needs no style
 *   attribute. Both through CSSOM (allowed by a strict style-src), never a style attribute.
 *   A "pledge:signed" message from such a frame becomes a pledge:signed CustomEvent on the
 *   iframe element (bubbling), as the script-tag widget fires on its own element.
 * Partner page:
 *   <iframe src="https://HOST/embed/SLUG?lang=es" title="Sign the pledge" width="100%" height="520"></iframe>
 *   <script src="https://HOST/widget/iframe.js" async></script> */
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
        // The same event a script-tag widget fires, on the iframe element: only from this
        // server's /embed/ frame (checked above), so no other frame can fake a signature.
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
