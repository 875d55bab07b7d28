// Iframe mode: GET /embed/{campaign} on the pledge server, framed by a partner page that loads
// iframe.js; the frame reports its height with postMessage and the parent resizes it.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { fillPledge, submit, expectThanks } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

// The iframe's content height (its border is the page's business).
const height = (page) => page.locator('#pledge-frame').evaluate((f) => f.clientHeight);

test('the iframe grows to its content, carries the options, and signing works inside it', async ({ page }) => {
  const messages = [];
  await page.exposeFunction('sawMessage', (m) => messages.push(m));
  await page.addInitScript(() => window.addEventListener('message', (e) => window.sawMessage({ origin: e.origin, data: e.data })));
  await page.goto(`${stack.partnerOrigin}/iframe.html`);
  const frame = page.frameLocator('#pledge-frame');
  await expect(frame.locator('pledge-widget [part~="count"]')).not.toBeEmpty();
  await expect.poll(() => height(page)).toBeGreaterThan(400);
  const content = await page.frame({ url: /\/embed\// }).evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  expect(Math.abs((await height(page)) - content)).toBeLessThanOrEqual(1);
  expect(messages.some((m) => m.origin === stack.pledgeOrigin && m.data.type === 'pledge:resize' && m.data.height === content)).toBe(true);
  await expect(frame.locator('[part~="widget"]')).toHaveAttribute('data-theme', 'dark');
  await expect(frame.locator('[part~="submit"]')).toHaveCSS('background-color', 'rgb(255, 235, 59)');
  // No inline style attribute on the iframe: the height was set through CSSOM.
  const w = frame.locator('pledge-widget');
  await fillPledge(w, { email: 'framed@example.org' });
  await submit(w);
  await expectThanks(w);
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  // The thanks view is shorter than the form: the frame follows.
  await expect.poll(async () => Math.abs((await height(page)) - await page.frame({ url: /\/embed\// })
    .evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height)))).toBeLessThanOrEqual(1);
});

test('a resize message from another origin than the iframe src is ignored', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/iframe.html`);
  await expect.poll(() => height(page)).toBeGreaterThan(400);
  const before = await height(page);
  // The framed page navigates away to another origin, which then asks for a silly height.
  await page.frame({ url: /\/embed\// }).goto(`${stack.partnerOrigin}/spoof.html`);
  await page.waitForTimeout(500);
  expect(await height(page)).toBe(before);
});

test('only frames showing this server\'s /embed/ page are resized (issue 11)', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/iframe.html`);
  await expect.poll(() => height(page)).toBeGreaterThan(400);
  const other = page.locator('#other-frame');
  const before = await other.evaluate((f) => f.clientHeight);
  // A same-origin frame of the partner page asks for a silly height, then the real embed
  // frame for a known one: messages arrive in order, so once the second is applied the first
  // was seen (and must have been ignored).
  await page.frame({ url: /spoof\.html/ }).evaluate(() => window.parent.postMessage({ type: 'pledge:resize', height: 4321 }, '*'));
  await page.frame({ url: /\/embed\// }).evaluate(() => window.parent.postMessage({ type: 'pledge:resize', height: 777 }, '*'));
  await expect.poll(() => height(page)).toBe(777);
  expect(await other.evaluate((f) => f.clientHeight)).toBe(before);
});

test('the embed page is frameable by the campaign\'s origins, escapes query values, and talks only to its own API', async ({ request }) => {
  const evil = '"><script>window.pwned=1</script>';
  const res = await request.get(`${stack.pledgeOrigin}/embed/no-music-for-ice?title=${encodeURIComponent(evil)}&lang=es&endpoint=https://evil.example/api/v1`);
  expect(res.status()).toBe(200);
  expect(res.headers()['x-frame-options']).toBeUndefined();
  const csp = res.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/frame-ancestors [^;]*'self'/);
  expect(csp).toContain(stack.partnerOrigin);
  expect(csp).toContain("connect-src 'self'");
  const html = await res.text();
  expect(html).not.toContain('<script>window.pwned');
  expect(html).toContain('data-title="&quot;&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;"');
  expect(html).toContain(`endpoint="${stack.pledgeOrigin}/api/v1"`);
  expect(html).toContain('<html lang="es"');
  expect(html).not.toContain('evil.example');
  expect((await request.get(`${stack.pledgeOrigin}/embed/Not%20A%20Slug`)).status()).toBe(404);
  expect((await request.get(`${stack.pledgeOrigin}/embed/no-such-campaign`)).status()).toBe(404);
});

test('the embed page renders the escaped title as text', async ({ page }) => {
  const evil = '"><img src=x onerror="window.pwned=1">';
  await page.goto(`${stack.pledgeOrigin}/embed/no-music-for-ice?title=${encodeURIComponent(evil)}`);
  await expect(page.locator('pledge-widget')).toHaveAttribute('data-title', evil);
  await expect(page.locator('pledge-widget [part~="count"]')).not.toBeEmpty();
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
});

test('the parent page hears pledge:signed on the iframe, from the embed frame only', async ({ page }) => {
  await page.addInitScript(() => {
    window.heard = [];
    document.addEventListener('pledge:signed', (e) => window.heard.push({ target: e.target.id, detail: e.detail }));
  });
  await page.goto(`${stack.partnerOrigin}/iframe.html`);
  await expect.poll(() => height(page)).toBeGreaterThan(400);
  // Another frame of the page claims a signature: not from the embed frame, so no event.
  await page.frame({ url: /spoof\.html/ }).evaluate(() => window.parent.postMessage(
    { type: 'pledge:signed', detail: { campaign: 'no-music-for-ice', count: 999, status: 'signed' } }, '*'));
  const w = page.frameLocator('#pledge-frame').locator('pledge-widget');
  await fillPledge(w, { email: 'framed-event@example.org' });
  await submit(w);
  await expectThanks(w);
  await expect.poll(() => page.evaluate(() => window.heard)).toEqual([
    { target: 'pledge-frame', detail: { campaign: 'no-music-for-ice', count: 1, status: 'signed' } },
  ]);
});
