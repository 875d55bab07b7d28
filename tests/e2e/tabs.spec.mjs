// The live count under real traffic: the tabs of one browser share one events stream (a leader
// tab elected with Web Locks relays counts over a BroadcastChannel), and a hidden tab holds none.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, countText, expectThanks } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

const digits = (s) => Number(s.replace(/\D/g, ''));
const isEvents = (r) => r.url().endsWith('/events');

/** Opens the partner page in `context` and waits for its count. */
async function openTab(context) {
  const page = await context.newPage();
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  await expect(widget(page).locator('[part~="count"]')).not.toBeEmpty();
  return page;
}

/** Emulates the tab going to the background (or back): what a browser does on tab switch. */
function setHidden(page, hidden) {
  return page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Resolves when `request` has ended (an EventSource closed by the page fails as aborted). */
function ended(context, request) {
  return new Promise((ok) => {
    const done = (r) => { if (r === request) ok(); };
    context.on('requestfailed', done);
    context.on('requestfinished', done);
  });
}

async function signElsewhere(browser, email) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${stack.partnerOrigin}/index.html`);
  const w = widget(page);
  await fillPledge(w, { email });
  await submit(w);
  await expectThanks(w);
  await ctx.close();
}

test('eight tabs of one browser hold one events stream; a signature in the last reaches them all', async ({ browser }) => {
  const context = await browser.newContext();
  const streams = [];
  context.on('request', (r) => { if (isEvents(r)) streams.push(r); });
  const pages = [];
  for (let i = 0; i < 8; i++) pages.push(await openTab(context));
  await expect.poll(() => streams.length).toBe(1);
  const before = digits(await countText(widget(pages[0])));

  const last = widget(pages[7]);
  await fillPledge(last, { email: 'eighth-tab@example.org' });
  await submit(last);
  await expectThanks(last);
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  for (const p of pages.slice(0, 7)) {
    await expect.poll(async () => digits(await countText(widget(p))), { timeout: 10_000 }).toBe(before + 1);
  }
  // Still the one stream: nobody opened another.
  expect(streams.length).toBe(1);
  await context.close();
});

test('a hidden leader closes its stream and another tab takes over; closing the leader hands over too', async ({ browser }) => {
  const context = await browser.newContext();
  const streams = [];
  context.on('request', (r) => { if (isEvents(r)) streams.push(r); });
  const a = await openTab(context);
  const b = await openTab(context);
  await expect.poll(() => streams.length).toBe(1);
  expect(streams[0].frame().page()).toBe(a);

  const closed = ended(context, streams[0]);
  await setHidden(a, true);
  await closed;
  await expect.poll(() => streams.length, { timeout: 3000 }).toBe(2);
  expect(streams[1].frame().page()).toBe(b);

  // Shown again while b leads: a follows b's relay, no stream of its own.
  await setHidden(a, false);
  const before = digits(await countText(widget(a)));
  await signElsewhere(browser, 'relay@example.org');
  await expect.poll(async () => digits(await countText(widget(a)))).toBe(before + 1);
  expect(streams.length).toBe(2);

  // The leader's tab closes: a leads within a moment.
  await b.close();
  await expect.poll(() => streams.length, { timeout: 3000 }).toBe(3);
  expect(streams[2].frame().page()).toBe(a);
  await context.close();
});

test('a hidden tab holds no stream and polls nothing; shown again, the count is fresh at once', async ({ browser }) => {
  const context = await browser.newContext();
  // Listen before the tab opens: its stream may start before openTab returns.
  const requests = [];
  context.on('request', (r) => requests.push(r));
  const page = await openTab(context);
  await expect.poll(() => requests.filter(isEvents).length).toBe(1);
  const stream = requests.find(isEvents);
  const closed = ended(context, stream);
  const before = digits(await countText(widget(page)));

  await setHidden(page, true);
  await closed;
  const hiddenAt = requests.length;
  await signElsewhere(browser, 'while-hidden@example.org');
  await page.waitForTimeout(1500);
  expect(requests.slice(hiddenAt).filter((r) => r.frame().page() === page)).toEqual([]);
  expect(digits(await countText(widget(page)))).toBe(before);

  // "At once": the tab asks for the count as it is shown, one request away, not at the next 30 s
  // poll. Timed inside the page, from the visibilitychange to the count's first change, so the
  // bound measures the widget, not the test's round trips or expect.poll's back-off (checks at
  // 0.1, 0.35, 0.85, 1.85 s…); it takes tens of milliseconds even on a loaded machine.
  const shown = await widget(page).locator('[part~="count"]').evaluate((count) => new Promise((done) => {
    const was = count.textContent;
    const start = performance.now();
    new MutationObserver((_, seen) => {
      if (count.textContent === was) return;
      seen.disconnect();
      done({ ms: performance.now() - start, text: count.textContent });
    }).observe(count, { childList: true, characterData: true, subtree: true });
    // No change at all fails below (the text is still the old count), not by the test's timeout.
    setTimeout(() => done({ ms: Infinity, text: count.textContent }), 10_000);
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  }));
  expect(digits(shown.text)).toBe(before + 1);
  expect(shown.ms).toBeLessThan(2000);
  expect(requests.slice(hiddenAt).some((r) => r.url().endsWith('/count'))).toBe(true);
  await expect.poll(() => requests.filter(isEvents).length).toBe(2);
  await context.close();
});
