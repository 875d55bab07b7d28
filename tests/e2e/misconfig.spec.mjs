// A misconfigured embed is never a silent sink for signatures (issue 18, item 1): from a page
// on another origin, a mistyped slug, an origin the campaign does not allow, a dead endpoint
// (or one whose answers the browser hides: no CORS) and an endpoint that answers something
// else each show the supporter a calm notice and no form, store nothing in the page's
// localStorage, log one actionable `[pledge-widget]` line, and fire `pledge:error` with the
// case's code and never `pledge:ready`. An endpoint with only the POST route still gets the
// minimal form, because it answers and says it has no campaign route.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { startPostOnlyEndpoint } from './support/post-only.mjs';
import { widget, fillPledge, submit, expectThanks } from './support/widget.mjs';
import { instrument, heard, openStreams } from './support/probe.mjs';

const SLUG = 'no-music-for-ice';
let stack;
let logged;
test.beforeEach(async ({ page }) => {
  stack = await startStack();
  logged = [];
  // The partner test site has no favicon; that 404 is the page's, not the widget's.
  page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && logged.push(m.text()));
  page.on('pageerror', (e) => logged.push(`pageerror: ${e.message}`));
  await instrument(page);
});
test.afterEach(async () => { await stack.stop(); });

/** The script-tag snippet on a page of `origin` with these options. */
const embedPage = (origin, endpoint, campaign) =>
  `${origin}/embed.html?${new URLSearchParams({ endpoint, campaign })}`;

/** What every case must show: the notice, no form, nothing stored, one error event with
 *  `code`, no ready event, and exactly one `[pledge-widget]` console line, which is returned. */
async function expectRefusal(page, { notice, code }) {
  const w = widget(page);
  await expect(w.getByRole('alert')).toHaveText(notice);
  await expect.poll(() => heard(page, 'error')).toHaveLength(1);
  const [error] = await heard(page, 'error');
  expect(error.detail.code).toBe(code);
  expect(error.target).toBe('PLEDGE-WIDGET');
  expect(await heard(page, 'ready')).toEqual([]);
  await expect(w.locator('form, input, textarea, select, button')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(await openStreams(page)).toBe(0);
  const ours = logged.filter((l) => l.startsWith('[pledge-widget]'));
  expect(ours).toHaveLength(1);
  expect(ours[0]).toContain(`[pledge-widget] ${code}: `);
  expect(logged.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  // The event carries the same fix the console names.
  expect(ours[0]).toBe(`[pledge-widget] ${error.detail.message}`);
  return ours[0];
}

test('a mistyped slug: campaign_not_found', async ({ page }) => {
  await page.goto(embedPage(stack.partnerOrigin, stack.endpoint, 'no-music-for-ise'));
  const line = await expectRefusal(page, { notice: 'This pledge is not available.', code: 'campaign_not_found' });
  expect(line).toContain('"no-music-for-ise"');
  expect(line).toContain(stack.endpoint);
  // The 404 was read (CORS), not guessed: no CORS failure in the console either.
  expect(logged.filter((l) => /CORS/i.test(l))).toEqual([]);
});

test('a page on an origin the campaign does not allow: origin_not_allowed, calmly', async ({ page }) => {
  // Same partner site, other origin: localhost instead of 127.0.0.1 (the campaign allows only
  // the latter).
  const elsewhere = stack.partnerOrigin.replace('127.0.0.1', 'localhost');
  await page.goto(embedPage(elsewhere, stack.endpoint, SLUG));
  const line = await expectRefusal(page, { notice: "This pledge can't be signed on this site yet.", code: 'origin_not_allowed' });
  // The fix: the origin to allow, the slug it looked for, the endpoint it used.
  expect(line).toContain(`allow the origin ${elsewhere}`);
  expect(line).toContain(`"${SLUG}"`);
  expect(line).toContain(stack.endpoint);
  expect(logged).toEqual([line]);
});

test('a dead endpoint: endpoint_unreachable, and no fallback form', async ({ page }) => {
  const dead = 'http://127.0.0.1:9/api/v1';
  await page.goto(embedPage(stack.partnerOrigin, dead, SLUG));
  const line = await expectRefusal(page, {
    notice: 'The pledge form could not load. Please try again later.', code: 'endpoint_unreachable',
  });
  expect(line).toContain(`${dead}/campaigns/${SLUG}`);
  expect(line).toMatch(/data-endpoint/);
});

test('an endpoint whose answers the browser hides (no CORS headers): endpoint_unreachable too', async ({ page }) => {
  // The partner site itself, on its other name: it answers 404 without CORS headers, which a
  // page can no more read than no answer.
  const noCors = `${stack.partnerOrigin.replace('127.0.0.1', 'localhost')}/api/v1`;
  await page.goto(embedPage(stack.partnerOrigin, noCors, SLUG));
  await expectRefusal(page, { notice: 'The pledge form could not load. Please try again later.', code: 'endpoint_unreachable' });
});

test('endpoint_unreachable, then the browser is back online: the widget loads again and signs', async ({ page, context }) => {
  // The campaign document's request fails as it does without a network; the widget's own files
  // still load (they may be cached by a real browser).
  const docUrl = `${stack.endpoint}/campaigns/${SLUG}`;
  await page.route(docUrl, (route) => route.abort('internetdisconnected'));
  await page.goto(embedPage(stack.partnerOrigin, stack.endpoint, SLUG));
  await expectRefusal(page, { notice: 'The pledge form could not load. Please try again later.', code: 'endpoint_unreachable' });
  await page.unroute(docUrl);
  await context.setOffline(true);
  await context.setOffline(false); // fires `online`
  const w = widget(page);
  await expect(w.getByLabel(/^name/i)).toBeVisible();
  await expect.poll(() => heard(page, 'ready')).toHaveLength(1);
  await fillPledge(w, { name: 'Back Online', email: 'back-online@example.org' });
  await submit(w);
  await expectThanks(w);
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
  expect(logged.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});

test('back online after endpoint_unreachable, through mount(): the same handle and callbacks, and unmount still works', async ({ page, context }) => {
  const docUrl = `${stack.endpoint}/campaigns/${SLUG}`;
  await page.route(docUrl, (route) => route.abort('internetdisconnected'));
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate(async (endpoint) => {
    window.calls = [];
    const log = (name) => (detail) => window.calls.push({ name, code: detail.code });
    window.handle = await window.PledgeWidget.mount(document.getElementById('slot'), {
      endpoint, campaign: 'no-music-for-ice', onReady: log('ready'), onError: log('error'),
    });
  }, stack.endpoint);
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual([{ name: 'error', code: 'endpoint_unreachable' }]);
  await page.unroute(docUrl);
  await context.setOffline(true);
  await context.setOffline(false);
  const w = page.locator('#slot');
  await expect(w.getByLabel(/^name/i)).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual([
    { name: 'error', code: 'endpoint_unreachable' }, { name: 'ready', code: undefined }]);
  // The handle the partner holds still owns the widget now shown.
  await page.evaluate(() => window.handle.unmount());
  await expect(w.getByLabel(/^name/i)).toHaveCount(0);
  await expect.poll(() => openStreams(page)).toBe(0);
});

test('an endpoint without its /v1: load_failed, naming the answer', async ({ page }) => {
  const endpoint = `${stack.pledgeOrigin}/api`;
  await page.goto(embedPage(stack.partnerOrigin, endpoint, SLUG));
  const line = await expectRefusal(page, { notice: 'This pledge form could not start.', code: 'load_failed' });
  expect(line).toContain(`${endpoint}/campaigns/${SLUG} answered 404 not_found`);
  expect(line).toContain('/api/v1');
});

test('an endpoint with only the POST route still gets the minimal form, and the signature arrives', async ({ page }) => {
  const postOnly = await startPostOnlyEndpoint();
  try {
    await page.goto(embedPage(stack.partnerOrigin, postOnly.endpoint, 'band-pledge'));
    const w = widget(page);
    await expect(w.getByRole('heading', { name: 'Sign the pledge' })).toBeVisible();
    await expect.poll(() => heard(page, 'ready')).toHaveLength(1);
    await fillPledge(w, { name: 'Post Only', email: 'post-only@example.org' });
    await submit(w);
    await expectThanks(w);
    expect(postOnly.received).toHaveLength(1);
    expect(postOnly.received[0]).toMatchObject({
      path: '/api/campaigns/band-pledge/signatures',
      body: { name: 'Post Only', email: 'post-only@example.org', consent: { given: true } },
    });
    // Acknowledged, so nothing waits in the page's storage; no error was reported.
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await heard(page, 'error')).toEqual([]);
    expect(logged.filter((l) => l.startsWith('[pledge-widget]'))).toEqual([]);
  } finally {
    await postOnly.stop();
  }
});

test("the widget's own files cannot load: load_failed, in the widget's language, styled", async ({ page }) => {
  // The main wasm never arrives (a proxy, a CSP without 'wasm-unsafe-eval', a broken deploy).
  await page.route(/\/pledge_widget-[0-9a-f]+\.wasm$/, (route) => route.abort());
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate((endpoint) => window.PledgeWidget.mount(document.getElementById('slot'),
    { endpoint, campaign: 'no-music-for-ice', lang: 'es' }).then(() => {}), stack.endpoint);
  const notice = page.locator('#slot').getByRole('alert');
  await expect(notice).toHaveText('Este formulario no se pudo iniciar.');
  // Styled like the widget's notices, not in the page's serif body text.
  const style = await notice.evaluate((el) => {
    const cs = getComputedStyle(el);
    return { border: cs.borderTopStyle, font: cs.fontFamily };
  });
  expect(style).toEqual({ border: 'solid', font: expect.stringMatching(/system-ui/) });
  await expect.poll(() => heard(page, 'error')).toHaveLength(1);
  expect((await heard(page, 'error'))[0].detail.code).toBe('load_failed');
  expect(await heard(page, 'ready')).toEqual([]);
  expect(logged.filter((l) => l.startsWith('[pledge-widget]'))).toEqual([
    expect.stringMatching(/^\[pledge-widget\] load_failed: the widget's module could not start: /),
  ]);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});
