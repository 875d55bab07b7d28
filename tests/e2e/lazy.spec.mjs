// Lazily loaded chunks (src/browser/lazy.rs): the proof-of-work search is a separate wasm file,
// fetched from the widget's own origin next to the module, once per page, only by a campaign
// that asks for proof of work, and only after the form is shown. Checked where it could break:
// a partner page on another origin, the strict CSP page, several widgets, iframe mode.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
const POW_CHUNK = /\/widget\/pledge_widget-split-pow-[0-9a-f]{8}\.wasm$/;

/** The URL of every request for the pow chunk, in any frame of the page. */
function watchChunk(page) {
  const seen = [];
  page.on('request', (r) => { if (POW_CHUNK.test(r.url())) seen.push(r.url()); });
  return seen;
}

/** What the widget throws or logs as an error (a chunk that fails to load logs one); the
 * browser's own lines for answers like the expected `429 too_fast` are not the widget's. */
function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && errors.push(m.text()));
  return errors;
}

test.describe('with proof of work on', () => {
  let stack;
  test.beforeEach(async () => { stack = await startStack({ demoArgs: ['--pow', '2000'] }); });
  test.afterEach(async () => { await stack.stop(); });

  test('a partner page on another origin fetches the chunk once, after the form shows, and signs', async ({ page }) => {
    const chunk = watchChunk(page);
    const errors = watchErrors(page);
    await page.addInitScript(() => {
      window.__chunkBeforeReady = null;
      document.addEventListener('pledge:ready', () => {
        window.__chunkBeforeReady = performance.getEntriesByType('resource').some((e) => /split-pow/.test(e.name));
      }, { once: true });
    });
    await page.goto(`${stack.partnerOrigin}/partner.html`);
    const w = widget(page);
    await expect(w.getByLabel(/^name/i)).toBeEditable();
    await expect.poll(() => chunk.length).toBe(1);
    expect(await page.evaluate(() => window.__chunkBeforeReady)).toBe(false);
    expect(new URL(chunk[0]).origin).toBe(stack.pledgeOrigin);
    await fillPledge(w, { email: 'lazy@example.org' });
    await submit(w);
    await expectThanks(w);
    expect(chunk).toHaveLength(1);
    expect(await stack.exportRows(SLUG)).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  test('under the strict CSP the chunk loads with no violation and the proof is accepted', async ({ page }) => {
    const chunk = watchChunk(page);
    const violations = [];
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    await page.exposeFunction('reportViolation', (v) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(`${e.violatedDirective}: ${e.blockedURI}`));
    });
    await page.goto(`${stack.partnerOrigin}/csp.html`);
    const banner = page.locator('pledge-widget').nth(1);
    await banner.locator('[part~="open"]').click();
    await fillPledge(banner, { email: 'csp-lazy@example.org' });
    await submit(banner);
    await expectThanks(banner);
    expect(chunk).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  test('several widgets share one fetch of the chunk', async ({ page }) => {
    const chunk = watchChunk(page);
    await page.goto(`${stack.partnerOrigin}/many.html`);
    const hosts = page.locator('pledge-widget, [data-pledge-widget]');
    await expect(hosts).toHaveCount(5);
    // The three widgets of this campaign (the page's second campaign does not exist here).
    for (const i of [0, 1, 4]) await expect(hosts.nth(i).locator('[part~="count"]')).not.toBeEmpty();
    await expect.poll(() => chunk.length).toBe(1);
    await page.waitForTimeout(300);
    expect(chunk).toHaveLength(1);
  });

  test('in iframe mode the framed widget fetches the chunk and signs', async ({ page }) => {
    const chunk = watchChunk(page);
    await page.goto(`${stack.partnerOrigin}/iframe.html`);
    const w = page.frameLocator('#pledge-frame').locator('pledge-widget');
    await fillPledge(w, { email: 'framed-lazy@example.org' });
    await submit(w);
    await expectThanks(w);
    expect(chunk).toHaveLength(1);
  });
});

test.describe('with proof of work off', () => {
  let stack;
  test.beforeEach(async () => { stack = await startStack(); });
  test.afterEach(async () => { await stack.stop(); });

  test('a supporter who signs never fetches the proof-of-work chunk', async ({ page }) => {
    const chunk = watchChunk(page);
    await page.goto(`${stack.partnerOrigin}/partner.html`);
    const w = widget(page);
    await fillPledge(w, { email: 'nopow@example.org' });
    await submit(w);
    await expectThanks(w);
    expect(chunk).toEqual([]);
  });
});
