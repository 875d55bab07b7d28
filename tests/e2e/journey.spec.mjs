// The supporter's journey on a partner page of another origin, against the real pledge-server.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget, fillPledge, submit, countText, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

test('signs from a partner page on another origin; the server stores exactly one signature', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  expect(new URL(page.url()).origin).not.toBe(stack.pledgeOrigin);
  const w = widget(page);
  await expect(w.getByRole('heading', { name: /no music for ice/i })).toBeVisible();
  await fillPledge(w, { email: '  Ada@Example.org ' });
  await submit(w);
  await expectThanks(w);
  const rows = await stack.exportRows(SLUG);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain('Ada Lovelace');
  expect(errors).toEqual([]);
});

test("a second open page's count moves without reload", async ({ browser }) => {
  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(`${stack.partnerOrigin}/partner.html`);
  const shown = widget(viewer);
  await expect(shown.locator('[part~="count"]')).not.toBeEmpty();
  const before = await countText(shown);

  const signer = await (await browser.newContext()).newPage();
  await signer.goto(`${stack.partnerOrigin}/index.html`);
  const w = widget(signer);
  await fillPledge(w, { email: 'viewer-test@example.org' });
  await submit(w);
  await expectThanks(w);

  await expect.poll(() => countText(shown), { timeout: 10_000 }).not.toBe(before);
  const digits = (s) => Number(s.replace(/\D/g, ''));
  expect(digits(await countText(shown))).toBe(digits(before) + 1);
});

test("the server's 422 shows next to the field it names", async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  // The widget's own checks mirror the server's, so a browser cannot send this name; rewrite the
  // request on its way to the real server to see the server's answer rendered.
  await page.route('**/signatures', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.name = 'x'.repeat(201);
    await route.continue({ postData: JSON.stringify(body) });
  });
  await fillPledge(w, { email: 'long-name@example.org' });
  await submit(w);
  const name = w.getByLabel(/^name/i);
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  const describedBy = await name.getAttribute('aria-describedby');
  expect(describedBy).toBeTruthy();
  await expect(w.locator(`[id="${describedBy.split(' ')[0]}"]`)).toContainText(/200/);
  expect(await stack.exportRows(SLUG)).toHaveLength(0);
});

test('with the server down, a clear message and the form keeps what was typed', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  const w = widget(page);
  await fillPledge(w, { name: 'Grace Hopper', email: 'grace@example.org' });
  await stack.kill();
  await submit(w);
  // Saved to be sent later: information, said politely (issue 19, item 6), not an alert.
  await expect(w.getByRole('status').filter({ hasText: /(connect|network|offline|reach)/i })).toBeVisible();
  await expect(w.getByLabel(/^name/i)).toHaveValue('Grace Hopper');
  await expect(w.getByLabel(/^email/i)).toHaveValue('grace@example.org');
  await expect(w.getByRole('button', { name: /sign/i })).toBeEnabled();
});
