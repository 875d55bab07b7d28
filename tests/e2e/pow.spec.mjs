// Anti-abuse on the widget side, against the real server with proof of work on (`demo --pow`):
// the widget solves the challenge, waits out `429 too_fast` by itself, and sends the honeypot.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
let stack;
test.beforeEach(async () => { stack = await startStack({ demoArgs: ['--pow', '50000'] }); });
test.afterEach(async () => { await stack.stop(); });

test('signs with proof of work on; a too-fast post is sent again by itself and counted once', async ({ page }) => {
  const posts = [];
  page.on('response', async (r) => {
    if (r.url().endsWith('/signatures')) posts.push({ status: r.status(), body: JSON.parse(r.request().postData()) });
  });
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  await fillPledge(w, { name: 'Quick Quinn', email: 'quick@example.org' });
  await submit(w); // well within the 3 s minimum fill time after the challenge was issued
  await expectThanks(w);
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
  expect(posts.at(-1).status).toBe(201);
  expect(posts.map((p) => p.status)).toContain(429);
  const proof = posts.at(-1).body.proof;
  expect(proof.algorithm).toBe('SHA-256');
  expect(Number.isInteger(proof.number)).toBe(true);
  expect(posts.at(-1).body.website).toBe('');
});

test('the honeypot is out of reach of people and assistive technology', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  const trap = w.locator('input[name="website"]');
  await expect(trap).toHaveAttribute('aria-hidden', 'true');
  await expect(trap).toHaveAttribute('tabindex', '-1');
  await expect(trap).toHaveAttribute('autocomplete', 'off');
  // Clipped away, not display:none (some bots skip fields they can tell are not displayed).
  const style = await trap.evaluate((el) => { const s = getComputedStyle(el); return [s.position, s.clipPath]; });
  expect(style).toEqual(['absolute', 'inset(50%)']);
});

test('solve time for maxnumber 50,000 (median of 5 fresh challenges)', async ({ page }) => {
  const times = [];
  for (let i = 0; i < 5; i++) {
    // Hold the challenge until the form is filled, then submit the moment it arrives: the post
    // leaves when the proof is found.
    let release;
    const held = new Promise((ok) => { release = ok; });
    await page.route('**/challenge', async (route) => { await held; await route.continue(); });
    await page.goto(`${stack.partnerOrigin}/partner.html`);
    const w = widget(page);
    await fillPledge(w, { email: `solve-${i}@example.org` });
    const answered = page.waitForResponse((r) => r.url().endsWith('/challenge'));
    const posted = page.waitForRequest((r) => r.url().endsWith('/signatures'));
    release();
    await answered;
    const t0 = Date.now();
    await submit(w);
    const post = await posted;
    const ms = Date.now() - t0;
    const number = JSON.parse(post.postData()).proof.number;
    times.push({ ms, number });
    await expectThanks(w);
    await page.unroute('**/challenge');
  }
  const sorted = times.map((t) => t.ms).sort((a, b) => a - b);
  const median = sorted[2];
  console.log(`pow solve (maxnumber 50000): median ${median} ms; runs ${JSON.stringify(times)}`);
  expect(median).toBeLessThan(5000);
  expect(await stack.exportRows(SLUG)).toHaveLength(5);
});
