// The ES module entry of pkg/ (pledge-widget.mjs, docs/embedding.md "From a bundler or
// TypeScript"): imported from the widget's origin into a partner page, it registers
// <pledge-widget>, mounts through its own mount() and signs against the real server.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { fillPledge, submit, expectThanks } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

test('importing the module entry registers the element, and its mount() signs', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.partnerOrigin}/module-entry.html`);
  const w = page.locator('#pledge');
  await expect(w.getByRole('heading', { level: 2 }).first()).toHaveText(/no music for ice/i);
  expect(await page.evaluate(() => !!customElements.get('pledge-widget'))).toBe(true);
  expect(await page.evaluate(() => window.moduleVersion)).toMatch(/^\d+\.\d+\.\d+$/);
  // One loader, even though both the import and mount() asked for it.
  expect(await page.locator('script[src$="/widget/embed.js"]').count()).toBe(1);
  await fillPledge(w, { email: 'module-entry@example.org' });
  await submit(w);
  await expectThanks(w);
  await expect.poll(() => page.evaluate(() => window.signed.length)).toBe(1);
  const detail = await page.evaluate(() => window.signed[0]);
  expect(detail).toMatchObject({ campaign: 'no-music-for-ice', status: 'signed' });
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  expect(errors).toEqual([]);
});
