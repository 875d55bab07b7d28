// The snippets of docs/embedding.md, pasted as written into pages of another origin
// (pages/snippet-*.html, checked here to hold exactly the documented text, the example host
// written %PLEDGE_ORIGIN%): the JS API snippet with its loader `async` and late, and the iframe
// snippet under a strict Content-Security-Policy.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startStack, root } from './support/stack.mjs';
import { fillPledge, submit, expectThanks } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

/** The ```html block after `<!-- snippet: NAME` in docs/embedding.md. */
function documented(name) {
  const doc = readFileSync(`${root}/docs/embedding.md`, 'utf8');
  const m = doc.match(new RegExp(`<!-- snippet: ${name}\\b[^\\n]*\\n\`\`\`html\\n([\\s\\S]*?)\\n\`\`\`\\n`));
  if (!m) throw new Error(`no "${name}" snippet in docs/embedding.md`);
  return m[1];
}

/** The test page's URL, after checking that it pastes the documented snippet unchanged. */
function pastedPage(name) {
  const html = readFileSync(`${root}/tests/e2e/pages/snippet-${name}.html`, 'utf8');
  const pasted = html.match(/<!-- snippet -->\n([\s\S]*?)\n<!-- \/snippet -->/)[1];
  expect(pasted.replaceAll('%PLEDGE_ORIGIN%', 'https://pledge.example.org')).toBe(documented(name));
  return `${stack.partnerOrigin}/snippet-${name}.html`;
}

test('the JS API snippet works as pasted, even when the async loader runs after the page script', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const url = pastedPage('js-api');
  expect(documented('js-api')).toMatch(/<script src="[^"]+\/widget\/embed\.js" async><\/script>/);
  // embed.js is held until the page is parsed, so the page's module script has run and reached
  // PledgeWidget before the loader exists: the order in which the old snippet threw.
  const parsed = page.waitForEvent('domcontentloaded');
  let held = 0;
  await page.route('**/widget/embed.js', async (route) => {
    held += 1;
    await parsed;
    await route.continue();
  });
  await page.goto(url);
  const w = page.locator('#pledge');
  await expect(w.getByRole('heading', { level: 2 }).first()).toHaveText(/no music for ice/i);
  expect(held).toBe(1);
  // The options went through mount(): the snippet asks for the dark theme.
  await expect(w.locator('[part~="widget"]')).toHaveAttribute('data-theme', 'dark');
  await fillPledge(w, { email: 'snippet@example.org' });
  await submit(w);
  await expectThanks(w);
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('the iframe snippet works as pasted under a strict CSP: no violation, no border, resized', async ({ page }) => {
  const violations = [];
  page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  const response = await page.goto(pastedPage('iframe'));
  // No 'unsafe-inline' anywhere: a style attribute on the iframe would be a violation.
  expect(response.headers()['content-security-policy']).toMatch(/^default-src 'none'; /);
  expect(response.headers()['content-security-policy']).not.toContain('unsafe-inline');
  const frame = page.locator('iframe');
  await expect(frame.contentFrame().locator('pledge-widget [part~="count"]')).not.toBeEmpty();
  // iframe.js heard the frame: the height follows the content (the attribute says 520)...
  const content = () => page.frame({ url: /\/embed\// })
    .evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  await expect.poll(async () => Math.abs((await frame.evaluate((f) => f.clientHeight)) - await content())).toBeLessThanOrEqual(1);
  expect(await frame.evaluate((f) => f.clientHeight)).not.toBe(520);
  // ...and the border is gone, set through CSSOM rather than a style attribute.
  await expect(frame).toHaveCSS('border-top-width', '0px');
  await expect(frame).toHaveCSS('border-left-style', 'none');
  expect(violations).toEqual([]);
});
