// Three ways in (script tag, <pledge-widget>, JS API), many widgets per page, the loader twice,
// widgets added and removed at run time, host events and callbacks: against the real server.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, expectThanks } from './support/widget.mjs';
import { instrument, openStreams, heard } from './support/probe.mjs';

const SLUG = 'no-music-for-ice';
const SECOND = 'second-pledge';
let stack;
let errors;
test.beforeEach(async ({ page }) => {
  stack = await startStack({ campaigns: [[SECOND, '--title', 'Second pledge', '--goal', '50', '--text', 'A second campaign.']] });
  errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The partner test site has no favicon; that 404 is the page's, not the widget's.
  page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()));
  await instrument(page);
});
test.afterEach(async () => { await stack.stop(); });

const title = (w) => w.getByRole('heading', { level: 2 }).first();
const root = (w) => w.locator('[part~="widget"]');

test('the script tag mounts a <pledge-widget> right after itself; one global, no cookies', async ({ page, context }) => {
  await page.goto(`${stack.partnerOrigin}/plain.html`);
  const w = widget(page);
  await expect(title(w)).toHaveText(/no music for ice/i);
  const where = await page.evaluate(() => {
    const el = document.querySelector('pledge-widget');
    return { tag: el.tagName, after: el.previousElementSibling.tagName, n: document.querySelectorAll('pledge-widget').length };
  });
  expect(where).toEqual({ tag: 'PLEDGE-WIDGET', after: 'SCRIPT', n: 1 });
  expect(await heard(page, 'ready')).toEqual([{ name: 'ready', detail: { campaign: SLUG }, target: 'PLEDGE-WIDGET' }]);
  const added = await page.evaluate(() => Object.keys(window).filter((k) => !window.__probe.globals.includes(k)));
  expect(added).toEqual(['PledgeWidget']);
  expect(await page.evaluate(() => document.cookie)).toBe('');
  expect(await context.cookies()).toEqual([]);
  expect(errors).toEqual([]);
});

test('five widgets for two campaigns: one module load, one stream per campaign', async ({ page }) => {
  const loads = [];
  const streams = [];
  page.on('request', (r) => {
    if (/pledge_widget-[0-9a-f]+\.(wasm|js)$/.test(r.url())) loads.push(r.url());
    if (r.url().endsWith('/events')) streams.push(new URL(r.url()).pathname);
  });
  await page.goto(`${stack.partnerOrigin}/many.html`);
  const hosts = page.locator('pledge-widget, [data-pledge-widget]');
  await expect(hosts).toHaveCount(5);
  for (let i = 0; i < 5; i++) await expect(hosts.nth(i).locator('[part~="count"]')).not.toBeEmpty();
  await expect(title(hosts.nth(0))).toHaveText(/no music for ice/i);
  await expect(title(hosts.nth(2))).toHaveText('Second pledge');
  await expect(root(hosts.nth(3)).locator('.strip')).toBeVisible();
  expect(loads).toHaveLength(2);
  // Streams open once the lazily loaded live chunk has run, after the widgets show.
  await expect.poll(() => openStreams(page)).toBe(2);
  expect(streams.sort()).toEqual([`/api/v1/campaigns/${SLUG}/events`, `/api/v1/campaigns/${SECOND}/events`]);
  expect(await openStreams(page)).toBe(2);
  expect((await heard(page, 'ready')).map((e) => e.detail.campaign).sort()).toEqual([SLUG, SLUG, SLUG, SECOND, SECOND]);
  expect(errors).toEqual([]);
});

test('the loader included three times is harmless: two widgets, one module, one stream', async ({ page }) => {
  const wasm = [];
  // The main module's wasm (lazily loaded chunks, pledge_widget-<chunk>-<hash>.wasm, aside).
  page.on('request', (r) => /pledge_widget-[0-9a-f]+\.wasm$/.test(r.url()) && wasm.push(r.url()));
  const chunks = [];
  page.on('request', (r) => /pledge_widget-(split-[a-z]+|chunk-\d+)-[0-9a-f]{8}\.wasm$/.test(r.url()) && chunks.push(r.url()));
  await page.goto(`${stack.partnerOrigin}/twice.html`);
  const hosts = page.locator('pledge-widget');
  await expect(hosts).toHaveCount(2);
  await expect(title(hosts.nth(0))).toBeVisible();
  await expect(hosts.nth(1).getByRole('button', { name: /sign/i })).toBeVisible();
  expect(await page.evaluate(() => [...document.querySelectorAll('pledge-widget')].map((w) => w.previousElementSibling.tagName)))
    .toEqual(['SCRIPT', 'SCRIPT']);
  expect(wasm).toHaveLength(1);
  // Each chunk, too, is fetched once for the page, however many loaders and widgets.
  expect(chunks.length).toBeGreaterThan(0);
  expect(new Set(chunks).size).toBe(chunks.length);
  // The stream opens once the lazily loaded live chunk has run, after the widgets show:
  // wait for it, then for both widgets to be ready, and it is still the only one.
  await expect.poll(() => openStreams(page)).toBe(1);
  await expect.poll(async () => (await heard(page, 'ready')).length).toBe(2);
  expect(await openStreams(page)).toBe(1);
  expect(errors).toEqual([]);
});

test('a <pledge-widget> added, changed and removed at run time mounts, remounts and closes its stream', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate((endpoint) => {
    const el = document.createElement('pledge-widget');
    el.setAttribute('endpoint', endpoint);
    el.setAttribute('campaign', 'no-music-for-ice');
    document.getElementById('slot').append(el);
  }, stack.endpoint);
  const w = page.locator('pledge-widget');
  await expect(title(w)).toHaveText(/no music for ice/i);
  await expect(root(w)).toHaveAttribute('data-theme', 'auto');
  await expect.poll(() => openStreams(page)).toBe(1);

  await page.evaluate(() => document.querySelector('pledge-widget').setAttribute('theme', 'dark'));
  await expect(root(w)).toHaveAttribute('data-theme', 'dark');
  await expect(root(w)).toHaveCount(1);
  // This mount's own stream, before the next change: a mount that is replaced sooner rightly
  // never opens one, and the count of three below would then be two.
  await expect.poll(() => page.evaluate(() => window.__probe.opened)).toBe(2);
  await expect.poll(() => openStreams(page)).toBe(1);

  await page.evaluate(() => document.querySelector('pledge-widget').setAttribute('campaign', 'second-pledge'));
  await expect(title(w)).toHaveText('Second pledge');
  await expect(root(w)).toHaveCount(1);
  // The first campaign's feed closed when its last widget left; the second one's is open.
  await expect.poll(() => openStreams(page)).toBe(1);

  await page.evaluate(() => document.querySelector('pledge-widget').remove());
  await expect.poll(() => openStreams(page)).toBe(0);
  // One stream per mount: first, after the theme change, after the campaign change.
  expect(await page.evaluate(() => window.__probe.opened)).toBe(3);
  expect(errors).toEqual([]);
});

test('a campaign answer that arrives after a remount is dropped: no trap, no event from the old widget', async ({ page }) => {
  // Holds the answer for the campaign document until the widget has been remounted: the old
  // mount's task then resumes with its signals disposed. (It used to read them, panic, and trap
  // the wasm in the host page: the run-time add/change/remove test above, now and then.) The
  // request is embed.js's, still in flight at the remount, so both mounts wait on it
  // (src/browser/prefetch.rs); the old one is handed its copy first.
  let release;
  const held = new Promise((ok) => { release = ok; });
  let first = true;
  await page.route((url) => url.pathname === `/api/v1/campaigns/${SLUG}`, async (route) => {
    if (first) {
      first = false;
      await held;
    }
    await route.continue();
  });
  // Counts campaign documents the page has read, once the tasks waiting on each have run (a
  // timer queued when the body is parsed fires after the microtasks that resume the wasm).
  await page.addInitScript((slug) => {
    window.__campaignRead = 0;
    // The widget reads bodies as text (gloo-net), then the browser's JSON.parse.
    const text = Response.prototype.text;
    Response.prototype.text = function () {
      const read = text.call(this);
      if (new URL(this.url).pathname.endsWith(`/campaigns/${slug}`)) {
        read.finally(() => setTimeout(() => { window.__campaignRead += 1; }));
      }
      return read;
    };
  }, SLUG);
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  const asked = page.waitForRequest((r) => new URL(r.url()).pathname === `/api/v1/campaigns/${SLUG}`);
  await page.evaluate((endpoint) => {
    const el = document.createElement('pledge-widget');
    el.setAttribute('endpoint', endpoint);
    el.setAttribute('campaign', 'no-music-for-ice');
    document.getElementById('slot').append(el);
  }, stack.endpoint);
  await asked;
  const w = page.locator('pledge-widget');
  await expect(w.locator('[part~="widget"] [role="status"]')).toBeVisible();

  await page.evaluate(() => document.querySelector('pledge-widget').setAttribute('theme', 'dark'));
  await expect(root(w)).toHaveAttribute('data-theme', 'dark');
  expect(await page.evaluate(() => window.__campaignRead)).toBe(0);
  release();
  // Both mounts have read the answer: the old one's task has resumed, the new one shows it.
  await page.waitForFunction(() => window.__campaignRead === 2);
  await expect(title(w)).toHaveText(/no music for ice/i);
  expect(errors).toEqual([]);
  expect(await heard(page, 'ready')).toHaveLength(1);
  await expect(root(w)).toHaveCount(1);
  await expect(title(w)).toHaveText(/no music for ice/i);
});

test('PledgeWidget.mount: callbacks mirror the events, the email never leaves, unmount cleans up', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  await page.evaluate(async (endpoint) => {
    window.calls = [];
    const log = (name) => (detail) => window.calls.push({ name, detail });
    window.handle = await window.PledgeWidget.mount(document.getElementById('slot'), {
      endpoint, campaign: 'no-music-for-ice', onReady: log('ready'), onSigned: log('signed'), onError: log('error'),
    });
  }, stack.endpoint);
  const w = page.locator('#slot');
  await expect(title(w)).toHaveText(/no music for ice/i);
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual([{ name: 'ready', detail: { campaign: SLUG } }]);
  expect(await page.evaluate(() => window.handle.element.id)).toBe('slot');

  await fillPledge(w, { email: 'callback@example.org' });
  await submit(w);
  await expectThanks(w);
  const signed = (await page.evaluate(() => window.calls)).filter((c) => c.name === 'signed');
  expect(signed).toHaveLength(1);
  expect(signed[0].detail).toMatchObject({ campaign: SLUG, status: 'signed' });
  expect(signed[0].detail.count).toBeGreaterThan(0);
  const events = await heard(page, 'signed');
  expect(events.map((e) => e.detail)).toEqual([signed[0].detail]);
  expect(JSON.stringify(signed)).not.toContain('callback@');

  await page.evaluate(() => window.handle.unmount());
  await expect(w.locator('[part~="widget"]')).toHaveCount(0);
  await expect.poll(() => openStreams(page)).toBe(0);

  // Errors reach onError too: options that cannot start a widget.
  await page.evaluate(async () => {
    window.calls = [];
    await window.PledgeWidget.mount(document.getElementById('slot'), { campaign: 'x', onError: (d) => window.calls.push(d) });
  });
  // The message names the option as a mount() caller wrote it (not the data-* attribute).
  const line = 'bad_options: missing mount() option endpoint: set it to the pledge API base URL, e.g. https://pledge.example.org/api/v1';
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual([{ campaign: 'x', code: 'bad_options', message: line }]);
  // Only the misconfiguration logs (once, by design); nothing threw into the page.
  expect(errors).toEqual([`[pledge-widget] ${line}`]);
  // Given as attributes, the same mistake names the attribute.
  await page.evaluate(() => {
    const el = document.createElement('pledge-widget');
    el.setAttribute('campaign', 'x');
    document.body.append(el);
  });
  await expect.poll(() => errors.length).toBe(2);
  expect(errors[1]).toMatch(/^\[pledge-widget\] bad_options: missing data-endpoint: /);
});

test('the same options mean the same widget whichever way they come in', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/dynamic.html`);
  await page.waitForFunction(() => window.PledgeWidget);
  const opts = { endpoint: stack.endpoint, campaign: SLUG, lang: 'es', theme: 'dark', accent: '#c2185b', layout: 'compact', title: 'x' };
  await page.evaluate(async ({ opts, src }) => {
    const slot = document.getElementById('slot');
    const s = document.createElement('script');
    s.src = src;
    for (const [k, v] of Object.entries(opts)) s.dataset[k] = v;
    slot.append(s);
    const el = document.createElement('pledge-widget');
    for (const [k, v] of Object.entries(opts)) el.setAttribute(k, v);
    slot.append(el);
    const div = document.createElement('div');
    slot.append(div);
    await window.PledgeWidget.mount(div, opts);
  }, { opts, src: `${stack.pledgeOrigin}/widget/embed.js` });
  const hosts = page.locator('#slot > pledge-widget, #slot > div');
  await expect(hosts).toHaveCount(3);
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const h = hosts.nth(i);
    const opener = h.locator('[part~="open"]');
    await expect(opener).toBeVisible();
    seen.push({
      lang: await root(h).getAttribute('lang'),
      theme: await root(h).getAttribute('data-theme'),
      opener: await opener.innerText(),
      bg: await opener.evaluate((b) => getComputedStyle(b).backgroundColor),
    });
  }
  expect(seen[0]).toEqual({ lang: 'es', theme: 'dark', opener: expect.any(String), bg: 'rgb(194, 24, 91)' });
  expect(seen[1]).toEqual(seen[0]);
  expect(seen[2]).toEqual(seen[0]);
  expect(errors).toEqual([]);
});
