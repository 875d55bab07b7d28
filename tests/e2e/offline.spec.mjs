// Nothing lost: a signature made offline, or whose answer never arrived, is kept in the partner
// page's localStorage and sent when the network returns, even after a reload, and counted once.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

const outboxKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('pledge-outbox')));

async function open(page) {
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  await expect(w.getByRole('heading', { name: /no music for ice/i })).toBeVisible();
  return w;
}

test('signed offline, kept across a reload, stored exactly once when the network returns', async ({ context, page }) => {
  const keys = [];
  page.on('request', (r) => { if (r.url().endsWith('/signatures')) keys.push(r.headers()['idempotency-key']); });
  const w = await open(page);
  await fillPledge(w, { name: 'Offline Olga', email: 'offline@example.org' });
  await context.setOffline(true);
  await submit(w);
  await expect(w.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  await expect(w.getByRole('button', { name: /don.t send/i })).toBeVisible();
  // "Don't send" is quieter than the sign button: an outline, not the accent fill.
  const fill = (b) => b.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await fill(w.getByRole('button', { name: /don.t send/i }))).toBe('rgba(0, 0, 0, 0)');
  expect(await fill(w.locator('[part~="submit"]'))).not.toBe('rgba(0, 0, 0, 0)');
  expect(await outboxKeys(page)).toHaveLength(1);
  // Only what resending needs (docs/embedding.md, "What waits in the visitor's browser").
  const entry = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), (await outboxKeys(page))[0]);
  expect(Object.keys(entry).sort()).toEqual(['at', 'key', 'request']);
  expect(entry.request).toMatchObject({ name: 'Offline Olga', email: 'offline@example.org' });

  // The network is back, but this page's attempts still fail until after the reload: only the
  // stored entry can deliver the signature.
  await page.route('**/signatures', (route) => route.abort('internetdisconnected'));
  await context.setOffline(false);
  await page.reload();
  await expect(w.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  await expect(w.getByLabel(/^name/i)).toHaveValue('Offline Olga');
  await expect(w.getByLabel(/^email/i)).toHaveValue('offline@example.org');
  await page.unroute('**/signatures');

  await expectThanks(w);
  const rows = await stack.exportRows(SLUG);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain('Offline Olga');
  expect(await outboxKeys(page)).toEqual([]);
  // Every attempt, before and after the reload, carried the same idempotency key.
  expect(keys.length).toBeGreaterThan(1);
  expect(new Set(keys).size).toBe(1);
});

test('back online without a reload: sent at once on the online event', async ({ context, page }) => {
  const w = await open(page);
  await fillPledge(w, { email: 'online-event@example.org' });
  await context.setOffline(true);
  await submit(w);
  await expect(w.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  await context.setOffline(false);
  await expectThanks(w);
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
});

test('an answer lost after the server stored it: the retry with the same key counts once', async ({ page }) => {
  const seen = [];
  let first = true;
  await page.route('**/signatures', async (route) => {
    seen.push(route.request().headers()['idempotency-key']);
    if (!first) return route.continue();
    first = false;
    await route.fetch(); // the real server stores it...
    await route.abort('timedout'); // ...and the widget never hears back
  });
  const w = await open(page);
  await fillPledge(w, { name: 'Timed Out', email: 'timeout@example.org' });
  await submit(w);
  await expectThanks(w);
  expect(seen.length).toBe(2);
  expect(seen[1]).toBe(seen[0]);
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
  expect(await outboxKeys(page)).toEqual([]);
});

test('the supporter can take back a saved signature (Don’t send): nothing is sent, the form keeps the values', async ({ context, page }) => {
  const w = await open(page);
  await fillPledge(w, { name: 'Changed Mind', email: 'cancel@example.org' });
  await context.setOffline(true);
  await submit(w);
  await expect(w.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  await w.getByRole('button', { name: /don.t send/i }).click();
  expect(await outboxKeys(page)).toEqual([]);
  await expect(w.getByRole('button', { name: /don.t send/i })).toBeHidden();
  await context.setOffline(false);
  await page.waitForTimeout(2500);
  expect(await stack.exportRows(SLUG)).toHaveLength(0);
  await expect(w.getByLabel(/^name/i)).toHaveValue('Changed Mind');
});

test('a definitive refusal drops the saved entry and shows why, with the values kept', async ({ page }) => {
  await page.route('**/signatures', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.fields.role = 'not-an-option'; // a value the server refuses for good
    await route.continue({ postData: JSON.stringify(body) });
  });
  const w = await open(page);
  await fillPledge(w, { name: 'Refused Ray', email: 'refused@example.org' });
  await submit(w);
  await expect(w.getByRole('alert')).toBeVisible();
  await expect(w.locator('#pw-fields-role')).toHaveAttribute('aria-invalid', 'true');
  await expect(w.getByLabel(/^name/i)).toHaveValue('Refused Ray');
  expect(await outboxKeys(page)).toEqual([]);
  expect(await stack.exportRows(SLUG)).toHaveLength(0);
});

for (const [status, error] of [[404, 'campaign_not_found'], [410, 'campaign_closed']]) {
  test(`a ${status} refusal deletes the saved entry at once`, async ({ page }) => {
    const stored = [];
    await page.route('**/signatures', async (route) => {
      // The real answer's CORS headers, a refusal for good as its status and body.
      const real = await route.fetch({ postData: '{}' });
      stored.push(await outboxKeys(page));
      await route.fulfill({ response: real, status, body: JSON.stringify({ error, message: 'No.' }) });
    });
    const w = await open(page);
    await fillPledge(w, { email: `refused-${status}@example.org` });
    await submit(w);
    await expect(w.getByRole('alert')).toBeVisible();
    await expect(w.getByRole('alert')).not.toContainText(/saved/i);
    // It was there while the request was out, and is gone with the answer.
    expect(stored).toEqual([[expect.stringMatching(/^pledge-outbox:/)]]);
    expect(await outboxKeys(page)).toEqual([]);
  });
}
