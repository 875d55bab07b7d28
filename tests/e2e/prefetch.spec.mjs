// Cold start (issue 12, item 7): embed.js fetches the campaign document and the language file
// together with the module, not after it, once per page however many widgets show them, and
// hands the answers to the wasm (src/browser/prefetch.rs). Checked from the order of the
// requests (Resource Timing), never from how long they took. A prefetch that failed or went
// stale is no answer: the module then fetches as before.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
const GLUE = /\/widget\/pledge_widget-[0-9a-f]{8}\.js$/;
const WASM = /\/widget\/pledge_widget-[0-9a-f]{8}\.wasm$/;
const GERMAN = /\/widget\/locales\/de-[0-9a-f]{8}\.txt$/;

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

/** Every request the page makes whose URL matches `pattern` (cache hits included). */
function watch(page, pattern) {
  const seen = [];
  page.on('request', (r) => { if (pattern.test(r.url())) seen.push(r.url()); });
  return seen;
}

const campaignUrl = () => new RegExp(`^${stack.endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/campaigns/${SLUG}$`);

test('two widgets of one campaign: its document and the language file are fetched once, while the module loads', async ({ page, context }) => {
  // A round trip long enough that "while the module loads" does not hang on loopback's
  // microseconds: the order of the requests is what is checked, not their speed.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: -1, uploadThroughput: -1 });
  const campaign = watch(page, campaignUrl());
  const german = watch(page, GERMAN);
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.evaluate(async ({ endpoint, slug }) => {
    await customElements.whenDefined('pledge-widget');
    for (let i = 0; i < 2; i++) {
      const el = document.createElement('pledge-widget');
      el.setAttribute('endpoint', endpoint);
      el.setAttribute('campaign', slug);
      el.setAttribute('lang', 'de');
      document.body.append(el);
    }
  }, { endpoint: stack.endpoint, slug: SLUG });
  for (const i of [0, 1]) await expect(widget(page, i).getByRole('button', { name: /unterschreiben/i })).toBeVisible();

  expect(campaign).toHaveLength(1);
  expect(german).toHaveLength(1);
  const timings = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => ({ name: e.name, start: e.startTime, end: e.responseEnd })));
  const one = (pattern) => {
    const found = timings.filter((t) => pattern.test(t.name));
    expect(found, `one request for ${pattern}`).toHaveLength(1);
    return found[0];
  };
  const glue = one(GLUE);
  // Started before the JS glue had arrived: not waiting for the module to ask for them.
  for (const other of [one(WASM), one(campaignUrl()), one(GERMAN)]) {
    expect(other.start, `${other.name} starts before the glue finished`).toBeLessThan(glue.end);
  }
});

test('a prefetch that failed falls back to the module fetching the campaign itself', async ({ page }) => {
  const campaign = watch(page, campaignUrl());
  let aborted = 0;
  await page.route(campaignUrl(), (route) => (aborted++ === 0 ? route.abort('connectionreset') : route.continue()));
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  await expect(widget(page).getByLabel(/^name/i)).toBeEditable();
  // The loader's request failed; the wasm asked again and got the campaign.
  expect(campaign).toHaveLength(2);
});

test('a widget mounted after the prefetched answer went stale fetches the campaign again', async ({ page }) => {
  const campaign = watch(page, campaignUrl());
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  await expect(w.getByLabel(/^name/i)).toBeEditable();
  expect(campaign).toHaveLength(1);
  // Answers older than 5 s are not handed to a new mount (src/embed.js `prefetched`): the
  // remount an attribute change makes shows the campaign as it is now.
  await page.waitForTimeout(5500);
  await w.evaluate((el) => el.setAttribute('layout', 'compact'));
  await expect(w.locator('[part~="open"]')).toBeVisible();
  expect(campaign).toHaveLength(2);
});
