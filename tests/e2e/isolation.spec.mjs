// Isolation both ways: real CSS frameworks and deliberately hostile global CSS must not change
// how the widget looks (computed styles of its parts, and pixels), and the widget's CSS must
// not change the page. One decided exception (WCAG 1.4.12, docs/embedding.md "Isolation"): text
// spacing (letter-spacing, word-spacing, line-height) set on the widget's element inherits into
// it, so a reader's spacing stylesheet works; everything else stays out.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget } from './support/widget.mjs';
import { partStyles } from './support/probe.mjs';

let stack;
test.beforeAll(async () => { stack = await startStack(); });
test.afterAll(async () => { await stack.stop(); });
test.use({ viewport: { width: 1000, height: 1400 } });

// Where the widget sits and how wide it is are the page's to decide; fix both so that what is
// compared is only how the widget itself renders. (An outer !important rule on the element, the
// kind of placement rule a partner may write.)
const PLACE = 'pledge-widget { position: fixed !important; inset: 0 auto auto 0 !important; width: 420px !important; margin: 0 !important; z-index: 2147483647 !important; }';

// What hostile.css sets on the widget's element that inherits in by decision: its text
// spacing (line-height 5 and letter-spacing 9px, both !important; word-spacing stays initial).
const HOSTILE_SPACING = 'pledge-widget, [data-pledge-widget] { line-height: 5 !important; letter-spacing: 9px !important; }';

async function render(page, name, extraCss = '') {
  await page.goto(`${stack.partnerOrigin}/${name}`);
  const w = widget(page);
  await expect(w.locator('[part~="count"]')).not.toBeEmpty();
  await expect(w.locator('[part~="submit"]')).toBeVisible();
  await page.addStyleTag({ content: PLACE + extraCss });
  // Let the goal bar's transition finish.
  await page.waitForTimeout(600);
  // Pixels inside the rounded corners: what shows through the corners is the page's background.
  const box = await w.locator('[part~="widget"]').boundingBox();
  const clip = { x: box.x + 8, y: box.y + 8, width: box.width - 16, height: box.height - 16 };
  return { styles: await partStyles(w), shot: await page.screenshot({ clip, animations: 'disabled' }) };
}

test('on a plain page the widget uses its own type: 22 px title, system-ui', async ({ page }) => {
  const { styles } = await render(page, 'plain.html');
  expect(styles.title['font-size']).toBe('22px');
  expect(styles.root['font-family']).toMatch(/system-ui/);
});

for (const name of ['bootstrap.html', 'bulma.html', 'tailwind.html', 'hostile.html', 'partner.html']) {
  test(`${name}: the widget renders exactly as on the plain page`, async ({ page }) => {
    // Each comparison renders its own reference: no test depends on another having run (or
    // having run in this worker), so none can be skipped or compare against a stale value.
    // The hostile page's reference is the plain page given the same text spacing on the
    // element: with that one inherited difference accounted for, nothing else may differ.
    const reference = await render(page, 'plain.html', name === 'hostile.html' ? HOSTILE_SPACING : '');
    const got = await render(page, name);
    for (const part of Object.keys(reference.styles)) {
      expect.soft(got.styles[part], `${part} on ${name}`).toEqual(reference.styles[part]);
    }
    expect(got.shot.equals(reference.shot), `pixels of the widget on ${name} differ from plain.html`).toBe(true);
  });
}

test('host rules aimed at the element itself cannot hide, blur, pad or recolour it', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/hostile.html`);
  const w = widget(page);
  await expect(w.locator('[part~="submit"]')).toBeVisible();
  const host = await w.evaluate((el) => {
    const cs = getComputedStyle(el);
    return [cs.display, cs.paddingTop, cs.borderTopWidth, cs.backgroundColor, cs.opacity, cs.filter, cs.transform, cs.columnCount, cs.boxShadow];
  });
  expect(host).toEqual(['block', '0px', '0px', 'rgba(0, 0, 0, 0)', '1', 'none', 'none', 'auto', 'none']);
});

test("the widget's CSS changes nothing on the page", async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  const snapshot = () => page.evaluate(() => {
    const pick = (el) => { const cs = getComputedStyle(el); return [cs.font, cs.color, cs.margin, cs.padding, cs.boxSizing, cs.background, cs.colorScheme]; };
    return { h1: pick(document.querySelector('h1')), body: pick(document.body), html: pick(document.documentElement),
      sheets: document.styleSheets.length, adopted: document.adoptedStyleSheets.length, styles: document.querySelectorAll('style').length };
  });
  const before = await snapshot();
  await page.evaluate(async (endpoint) => {
    await window.PledgeWidget.mount(document.getElementById('slot'), { endpoint, campaign: 'no-music-for-ice', theme: 'dark' });
  }, stack.endpoint);
  await expect(page.locator('#slot [part~="count"]')).not.toBeEmpty();
  expect(await snapshot()).toEqual(before);
});

test('text spacing on the widget element inherits inside; the rest of the hostile page does not', async ({ page }) => {
  const plain = await render(page, 'plain.html');
  const { styles } = await render(page, 'hostile.html');
  for (const part of ['label', 'input', 'button', 'text']) {
    const fontSize = parseFloat(styles[part]['font-size']);
    expect(styles[part]['letter-spacing'], `${part} letter-spacing`).toBe('9px');
    expect(parseFloat(styles[part]['line-height']) / fontSize, `${part} line-height`).toBeCloseTo(5, 2);
    // Not the page's other text styles: the body's 12px word spacing, colours, fonts, sizes.
    expect(styles[part]['word-spacing'], `${part} word-spacing`).toBe(plain.styles[part]['word-spacing']);
    for (const prop of ['color', 'font-family', 'font-size', 'text-transform', 'background-color', 'border-top-width', 'padding-top']) {
      expect(styles[part][prop], `${part} ${prop}`).toBe(plain.styles[part][prop]);
    }
  }
});
