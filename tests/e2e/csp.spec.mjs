// A partner page under a strict Content-Security-Policy (pages/csp.html.csp: scripts,
// connections and styles from the widget's origin only, 'wasm-unsafe-eval', no 'unsafe-inline'):
// the widget works and triggers no violation at all.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startStack, root } from './support/stack.mjs';
import { fillPledge, submit, expectThanks, countText } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

const digits = (s) => Number(s.replace(/\D/g, ''));

test('works under the strict policy with zero CSP violations', async ({ page }) => {
  const violations = [];
  page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  const response = await page.goto(`${stack.partnerOrigin}/csp.html`);
  const policy = response.headers()['content-security-policy'];
  expect(policy).toBe(readFileSync(`${root}/tests/e2e/pages/csp.html.csp`, 'utf8').trim().replaceAll('%PLEDGE_ORIGIN%', stack.pledgeOrigin));
  expect(policy).not.toContain('unsafe-inline');

  const [full, banner] = [page.locator('pledge-widget').nth(0), page.locator('pledge-widget').nth(1)];
  await expect(full.locator('[part~="count"]')).not.toBeEmpty();
  const before = digits(await countText(full));
  // The accent option and the stylesheet both apply (CSSOM and adoptedStyleSheets, not style attributes).
  await expect(full.locator('[part~="submit"]')).toHaveCSS('background-color', 'rgb(194, 24, 91)');
  await expect(full.locator('[part~="widget"]')).toHaveCSS('border-top-style', 'solid');
  await expect(banner.locator('[part~="widget"]')).toHaveCSS('background-color', 'rgb(13, 17, 23)');

  await banner.locator('[part~="open"]').click();
  await fillPledge(banner, { email: 'csp@example.org' });
  await submit(banner);
  await expectThanks(banner);
  // The other widget of the same campaign hears the new count through the shared stream (a
  // fresh server per test: this signature is the only one).
  await expect.poll(async () => digits(await countText(full))).toBe(before + 1);
  expect(violations).toEqual([]);
});
