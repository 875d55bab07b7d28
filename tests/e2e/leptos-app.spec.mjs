// The widget as a Leptos component inside a Leptos app (examples/leptos-app, built by
// .ci/build-example into target/leptos-app/): `<PledgeWidget endpoint=… campaign=…/>` renders
// in a shadow root of its own, untouched by the app's CSS; a supporter signs through it, the app
// hears `pledge:signed`; the app's toggle unmounts it (no host left, the live-count stream
// closed on the server) and mounts it again.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, countText, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

/** Opens the example app, recording page errors and the widget's error events. */
async function openApp(page, query = '') {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    window.pledgeErrors = [];
    document.addEventListener('pledge:error', (e) => window.pledgeErrors.push(e.detail));
  });
  await page.goto(`${stack.partnerOrigin}/leptos-app/index.html${query}`);
  await expect(page.getByRole('heading', { level: 1, name: /the engines on tour/i })).toBeVisible();
  return problems;
}

/** The server's open live-count streams (SSE), from its Prometheus metrics. */
async function openStreams() {
  const text = await (await fetch(`${stack.pledgeOrigin}/metrics`)).text();
  return Number(text.match(/^pledge_sse_streams_open (\d+)$/m)[1]);
}

const digits = (s) => Number(s.replace(/\D/g, ''));

test('a Leptos app signs through PledgeWidget and hears pledge:signed; its CSS stays out', async ({ page }) => {
  const problems = await openApp(page);
  const w = widget(page);
  // The component's own host element, with the widget in its open shadow root.
  expect(await w.evaluate((el) => el.tagName === 'DIV' && !!el.shadowRoot?.querySelector('[part~="widget"]'))).toBe(true);
  await expect(w.getByRole('heading', { name: /no music for ice/i })).toBeVisible();
  await expect(w.locator('[part~="count"]')).not.toBeEmpty();
  const before = digits(await countText(w));

  // The app's `button { background: hotpink }` styles its toggle, not the widget's button,
  // which takes the accent the app set through --pledge-accent on the component's class.
  const background = (l) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await background(page.getByRole('button', { name: 'Hide the pledge' }))).toBe('rgb(255, 105, 180)');
  expect(await background(w.locator('[part~="submit"]'))).toBe('rgb(106, 27, 154)');

  await fillPledge(w, { email: 'leptos-app@example.org' });
  await submit(w);
  await expectThanks(w);
  await expect(page.getByRole('status').filter({ hasText: 'heard' }))
    .toHaveText(`The app heard pledge:signed: ${before + 1} signatures`);
  expect(digits(await countText(w))).toBe(before + 1);
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
  expect(await page.evaluate(() => window.pledgeErrors)).toEqual([]);
  expect(problems).toEqual([]);
});

test('unmounting PledgeWidget removes its host and closes its stream; mounting again reopens it', async ({ page }) => {
  const problems = await openApp(page);
  const w = widget(page);
  await expect(w.locator('[part~="count"]')).not.toBeEmpty();
  await expect.poll(openStreams).toBe(1);

  await page.getByRole('button', { name: 'Hide the pledge' }).click();
  await expect(page.locator('[data-pledge-widget-host]')).toHaveCount(0);
  await expect.poll(openStreams).toBe(0);

  await page.getByRole('button', { name: 'Show the pledge' }).click();
  await expect(widget(page).getByRole('heading', { name: /no music for ice/i })).toBeVisible();
  await expect(widget(page).locator('[part~="count"]')).not.toBeEmpty();
  await expect.poll(openStreams).toBe(1);
  expect(await page.locator('[data-pledge-widget-host]').count()).toBe(1);
  expect(problems).toEqual([]);
});

test('a bad campaign prop shows the notice and fires bad_options naming the prop, without a panic', async ({ page }) => {
  const logged = [];
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  const problems = await openApp(page, '?campaign=Not%20A%20Slug');
  await expect(widget(page).getByRole('alert')).toHaveText('This pledge form could not start.');
  expect(await page.evaluate(() => window.pledgeErrors)).toEqual([{
    campaign: 'Not A Slug',
    code: 'bad_options',
    message: 'bad_options: <PledgeWidget> prop campaign "Not A Slug" is not a slug (a-z, 0-9 and -, at most 64)',
  }]);
  expect(logged).toEqual(['[pledge-widget] bad_options: <PledgeWidget> prop campaign "Not A Slug" is not a slug (a-z, 0-9 and -, at most 64)']);
  expect(problems).toEqual([]);
});

test("the lang prop picks a language compiled into the app (bundled-locales), with no file to fetch", async ({ page }) => {
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const problems = await openApp(page, '?lang=de');
  const w = widget(page);
  await expect(w.getByRole('button', { name: 'Jetzt unterschreiben' })).toBeVisible();
  expect(await w.locator('[part~="widget"]').getAttribute('lang')).toBe('de');
  expect(fetched.filter((p) => p.includes('locales'))).toEqual([]);
  expect(problems).toEqual([]);
});
