// Theming: --pledge-* properties from any ancestor, ::part(), light/dark/auto, the three layouts,
// readable contrast whatever the accent, and no horizontal scroll from 280 px sidebars to 320 px phones.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget } from './support/widget.mjs';
import { rgb, contrast } from './support/probe.mjs';

let stack;
test.beforeAll(async () => { stack = await startStack(); });
test.afterAll(async () => { await stack.stop(); });

const ready = async (w) => expect(w.locator('[part~="count"]')).not.toBeEmpty();

test('text stays readable on light and dark accents, in light and dark themes', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/contrast.html`);
  for (const id of ['light-accent', 'dark-accent', 'dark-theme-dark-accent', 'dark-theme-light-accent']) {
    const w = page.locator(`#${id}`);
    await ready(w);
    const c = await w.evaluate((el) => {
      const r = el.shadowRoot.querySelector('[part~="widget"]');
      const b = getComputedStyle(el.shadowRoot.querySelector('[part~="submit"]'));
      // An accent-coloured link, as pitch text and share links render them.
      const a = r.appendChild(document.createElement('a'));
      const link = getComputedStyle(a).color;
      a.remove();
      return { bg: getComputedStyle(r).backgroundColor, button: b.backgroundColor, buttonText: b.color, link };
    });
    const [bg, button, buttonText, link] = await Promise.all([c.bg, c.button, c.buttonText, c.link].map((x) => rgb(page, x)));
    expect(contrast(button, buttonText), `${id}: button text ${c.buttonText} on ${c.button}`).toBeGreaterThanOrEqual(4.5);
    expect(contrast(link, bg), `${id}: link ${c.link} on ${c.bg}`).toBeGreaterThanOrEqual(4.5);
  }
  // The yellow accent keeps its colour on the button, with dark text; the navy one gets white text.
  const buttonText = (id) => page.locator(`#${id} [part~="submit"]`).evaluate((b) => getComputedStyle(b).color);
  expect(await rgb(page, await buttonText('light-accent'))).toEqual([0, 0, 0]);
  expect(await rgb(page, await buttonText('dark-accent'))).toEqual([255, 255, 255]);
  await expect(page.locator('#light-accent [part~="submit"]')).toHaveCSS('background-color', 'rgb(255, 235, 59)');
});

test('--pledge-* properties set on an ancestor and ::part() rules theme the widget', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/plain.html`);
  const w = widget(page);
  await ready(w);
  await page.addStyleTag({ content: `
    body { --pledge-accent: rgb(0, 100, 0); --pledge-radius: 3px; --pledge-font-family: monospace; --pledge-font-size: 20px;
           --pledge-background: rgb(250, 240, 230); --pledge-text: rgb(20, 30, 40); --pledge-border: rgb(1, 2, 3); --pledge-spacing: 10px; }
    pledge-widget::part(title) { text-decoration: underline; }
    pledge-widget::part(submit) { text-transform: uppercase; }` });
  const submitBtn = w.locator('[part~="submit"]');
  await expect(submitBtn).toHaveCSS('background-color', 'rgb(0, 100, 0)');
  await expect(submitBtn).toHaveCSS('border-top-left-radius', '3px');
  await expect(submitBtn).toHaveCSS('text-transform', 'uppercase');
  const r = w.locator('[part~="widget"]');
  await expect(r).toHaveCSS('font-family', 'monospace');
  await expect(r).toHaveCSS('font-size', '20px');
  await expect(r).toHaveCSS('background-color', 'rgb(250, 240, 230)');
  await expect(r).toHaveCSS('color', 'rgb(20, 30, 40)');
  await expect(r).toHaveCSS('border-top-color', 'rgb(1, 2, 3)');
  await expect(r).toHaveCSS('padding-top', '10px');
  await expect(w.locator('[part~="title"]')).toHaveCSS('text-decoration-line', 'underline');
});

test('--pledge-error colours the border of a field the failed submit marks invalid', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/plain.html`);
  const w = widget(page);
  await ready(w);
  await page.addStyleTag({ content: 'body { --pledge-error: rgb(200, 0, 100); --pledge-border: rgb(1, 2, 3); }' });
  const name = w.getByLabel(/^name/i);
  await expect(name).toHaveCSS('border-top-color', 'rgb(1, 2, 3)');
  await w.getByRole('button', { name: /sign/i }).click();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveCSS('border-top-color', 'rgb(200, 0, 100)');
  await expect(name).toHaveCSS('border-top-width', '2px');
});

test('theme auto follows prefers-color-scheme; light and dark do not', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate((endpoint) => {
    for (const theme of ['auto', 'light', 'dark']) {
      const el = document.createElement('pledge-widget');
      el.id = theme;
      el.setAttribute('endpoint', endpoint);
      el.setAttribute('campaign', 'no-music-for-ice');
      el.setAttribute('theme', theme);
      document.body.append(el);
    }
  }, stack.endpoint);
  const bg = (id) => page.locator(`#${id} [part~="widget"]`);
  for (const [scheme, auto] of [['light', 'rgb(255, 255, 255)'], ['dark', 'rgb(13, 17, 23)']]) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect(bg('auto')).toHaveCSS('background-color', auto);
    await expect(bg('light')).toHaveCSS('background-color', 'rgb(255, 255, 255)');
    await expect(bg('dark')).toHaveCSS('background-color', 'rgb(13, 17, 23)');
  }
});

test('layouts: banner is one slim line and compact a button, both open the form', async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate((endpoint) => {
    for (const layout of ['banner', 'compact']) {
      const el = document.createElement('pledge-widget');
      el.id = layout;
      el.setAttribute('endpoint', endpoint);
      el.setAttribute('campaign', 'no-music-for-ice');
      el.setAttribute('layout', layout);
      document.body.append(el);
    }
  }, stack.endpoint);
  const banner = page.locator('#banner');
  await ready(banner);
  const count = await banner.locator('[part~="count"]').boundingBox();
  const opener = await banner.locator('[part~="open"]').boundingBox();
  // One line: the count and the button share a row, and the whole banner stays slim.
  expect(Math.abs((count.y + count.height / 2) - (opener.y + opener.height / 2))).toBeLessThan(4);
  expect((await banner.boundingBox()).height).toBeLessThan(90);
  await expect(banner.getByRole('heading', { name: /no music for ice/i })).toHaveCount(1);
  await banner.locator('[part~="open"]').click();
  await expect(banner.getByLabel(/^name/i)).toBeFocused();

  const compact = page.locator('#compact');
  await expect(compact.locator('[part~="title"]')).toBeVisible();
  await compact.locator('[part~="open"]').click();
  await expect(compact.getByLabel(/^name/i)).toBeFocused();
});

for (const name of ['plain.html', 'partner.html', 'narrow.html', 'hostile.html']) {
  test(`${name} at a 320 px viewport: no horizontal scroll, the widget fits`, async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(`${stack.partnerOrigin}/${name}`);
    const hosts = page.locator('pledge-widget');
    const n = await hosts.count();
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) {
      await ready(hosts.nth(i));
      const fit = await hosts.nth(i).evaluate((el) => {
        const r = el.shadowRoot.querySelector('[part~="widget"]');
        const box = r.getBoundingClientRect();
        return { scroll: r.scrollWidth, client: r.clientWidth, left: box.left, right: box.right };
      });
      expect(fit.scroll, `widget ${i} overflows`).toBeLessThanOrEqual(fit.client);
      expect(fit.left).toBeGreaterThanOrEqual(0);
      expect(fit.right).toBeLessThanOrEqual(320);
    }
    if (name !== 'hostile.html') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  });
}

test('a 280 px sidebar holds the full widget without overflow', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 1000 });
  await page.goto(`${stack.partnerOrigin}/narrow.html`);
  const w = page.locator('pledge-widget').first();
  await ready(w);
  const fit = await w.evaluate((el) => {
    const r = el.shadowRoot.querySelector('[part~="widget"]');
    return { width: el.getBoundingClientRect().width, scroll: r.scrollWidth, client: r.clientWidth };
  });
  expect(fit.width).toBe(280);
  expect(fit.scroll).toBeLessThanOrEqual(fit.client);
});
