// The widget from a bundler (issue 12, item 8): examples/bundler-app imports `pledge-widget`
// as an npm package and is bundled by esbuild (examples/bundler-app/build.mjs); the bundle
// holds only the ES module entry, which loads the widget from the origin the app names, and a
// supporter signs through it. When that origin cannot be reached, the app's own catch sees a
// rejection naming the URL, and nothing is thrown into the page.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundlerApp } from '../../examples/bundler-app/build.mjs';
import { startStack } from './support/stack.mjs';
import { fillPledge, submit, expectThanks } from './support/widget.mjs';

const OUT = join(import.meta.dirname, '../../target/bundler-app');
let metafile;
let stack;
test.beforeAll(async () => { metafile = await buildBundlerApp(OUT); });
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

/** Opens the bundled app; the page errors seen, filled in as they come. */
async function openApp(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.partnerOrigin}/bundler-app/index.html`);
  return errors;
}

test('a bundled app imports the package, loads the widget from its origin and signs', async ({ page }) => {
  // What the bundler took: the app and the package's ES module entry, through its package.json.
  expect(Object.keys(metafile.inputs).sort()).toEqual(['examples/bundler-app/main.ts', 'pkg/pledge-widget.mjs']);
  expect(readFileSync(join(OUT, 'app.js'), 'utf8')).not.toMatch(/\.wasm/);

  const errors = await openApp(page);
  const w = page.locator('#pledge');
  await expect(w.getByRole('heading', { level: 2 }).first()).toHaveText(/no music for ice/i);
  // The loader came from the widget's origin, not from beside the bundle.
  expect(await page.locator('script[src]').evaluateAll((s) => s.map((e) => e.src)))
    .toContain(`${stack.pledgeOrigin}/widget/embed.js`);
  expect(await page.evaluate(() => window.widgetVersion)).toMatch(/^\d+\.\d+\.\d+$/);

  await fillPledge(w, { email: 'bundled-app@example.org' });
  await submit(w);
  await expectThanks(w);
  await expect.poll(() => page.evaluate(() => window.signed.length)).toBe(1);
  expect(await page.evaluate(() => window.signed[0])).toMatchObject({ campaign: 'no-music-for-ice', status: 'signed' });
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  expect(await page.evaluate(() => window.failures)).toEqual([]);
  expect(errors).toEqual([]);
});

test('when the widget origin cannot be reached, mount() rejects naming the URL and the page keeps working', async ({ page }) => {
  await page.route('**/widget/embed.js', (route) => route.abort('connectionrefused'));
  const errors = await openApp(page);
  await expect(page.locator('#pledge')).toHaveText(/could not load/i);
  const failures = await page.evaluate(() => window.failures);
  expect(failures.length).toBeGreaterThan(0);
  for (const f of failures) expect(f).toContain(`could not load ${stack.pledgeOrigin}/widget/embed.js`);
  expect(await page.locator('script[src$="/widget/embed.js"]').count()).toBe(0);
  expect(errors).toEqual([]);
});
