// Page probes for the embedding tests: open EventSources, pledge:* events, computed styles of
// the widget's parts, colours and contrast. Everything reads the real page; nothing is mocked.

/** Before any page script: counts EventSources opened and closed, and records pledge:* events
 *  heard on the document (they must be composed to get there). */
export async function instrument(page) {
  await page.addInitScript(() => {
    const probe = { opened: 0, closed: 0, events: [], globals: Object.keys(window) };
    Object.defineProperty(window, '__probe', { value: probe, enumerable: false });
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(url, init) { super(url, init); probe.opened += 1; }
      close() { if (this.readyState !== Native.CLOSED) probe.closed += 1; super.close(); }
    };
    for (const name of ['ready', 'signed', 'error']) {
      document.addEventListener(`pledge:${name}`, (e) => probe.events.push({ name, detail: JSON.parse(JSON.stringify(e.detail)), target: e.target.tagName }));
    }
  });
}

export const openStreams = (page) => page.evaluate(() => window.__probe.opened - window.__probe.closed);
export const heard = (page, name) => page.evaluate((n) => window.__probe.events.filter((e) => e.name === n), name);

/** Properties compared between pages: everything the host could plausibly leak into. */
export const PROPS = ['font-family', 'font-size', 'font-weight', 'font-style', 'font-variant-caps', 'color', '-webkit-text-fill-color',
  'letter-spacing', 'word-spacing', 'text-transform', 'text-indent', 'text-align', 'text-shadow', 'line-height', 'direction',
  'white-space', 'visibility', 'cursor', 'padding-top', 'padding-left', 'border-top-width', 'border-top-style', 'border-top-color',
  'border-top-left-radius', 'background-color', 'color-scheme', 'opacity', 'filter', 'transform', 'margin-top', 'margin-left'];
const PARTS = { root: '[part~="widget"]', title: '[part~="title"]', count: '[part~="count"]', label: 'label', input: '#pw-name',
  button: '[part~="submit"]', text: 'p', checkbox: 'input[type="checkbox"]' };

/** Computed styles and sizes of the widget's parts inside `host` (a locator of the host element). */
export function partStyles(host) {
  return host.evaluate((el, { props, parts }) => {
    const out = {};
    const rootBox = el.shadowRoot.querySelector(parts.root).getBoundingClientRect();
    for (const [name, sel] of Object.entries(parts)) {
      const node = el.shadowRoot.querySelector(sel);
      if (!node) { out[name] = null; continue; }
      const cs = getComputedStyle(node);
      const box = node.getBoundingClientRect();
      out[name] = Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
      // Sizes and offsets within the widget (not on the page: the page decides where it sits).
      out[name].box = [box.width, box.height, box.left - rootBox.left, box.top - rootBox.top].map((v) => Math.round(v * 10) / 10);
    }
    return out;
  }, { props: PROPS, parts: PARTS });
}

/** [r, g, b] of any CSS colour the browser understands (lab(), color-mix()…), via a canvas. */
export function rgb(page, colour) {
  return page.evaluate((c) => {
    const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#000';
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
  }, colour);
}

/** WCAG 2 contrast ratio of two [r, g, b] colours. */
export function contrast(a, b) {
  const lum = ([r, g, bl]) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(bl);
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
