// WCAG 2.2 AA inside the widget (axe-core, scoped to the widget's host element) in every state
// a supporter meets, in English, Spanish and Arabic (right to left), light and dark.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './support/stack.mjs';
import { openWidget, fillById, submitButton, thanksHeading } from './support/i18n.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let stack;
test.beforeAll(async () => { stack = await startStack(); });
test.afterAll(async () => { await stack.stop(); });

async function expectNoViolations(page, state) {
  const { violations, passes } = await new AxeBuilder({ page }).include('#pledge').withTags(TAGS).analyze();
  const found = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' > ')).join(' | ')}`);
  expect(found, `axe violations in state "${state}"`).toEqual([]);
  // The scope really held the widget: axe checked its controls.
  expect(passes.some((p) => p.id === 'color-contrast'), `axe saw text in state "${state}"`).toBe(true);
}

for (const lang of ['en', 'es', 'ar']) {
  test(`${lang}: pitch, errors, submitting and thanks have no axe violations`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    await expect(w.locator('.root')).toHaveAttribute('lang', lang);
    await expectNoViolations(page, 'pitch');

    await submitButton(w).click();
    await expect(w.locator('#pw-name')).toHaveAttribute('aria-invalid', 'true');
    await expectNoViolations(page, 'errors shown');

    // Hold the request until axe has looked at the busy form; the real server then answers.
    let release;
    const held = new Promise((ok) => { release = ok; });
    await page.route('**/signatures', async (route) => { await held; await route.continue(); });
    await fillById(w, { email: `a11y-${lang}@example.org` });
    await submitButton(w).click();
    await expect(submitButton(w)).toHaveAttribute('aria-busy', 'true');
    await expectNoViolations(page, 'submitting');
    release();

    await expect(thanksHeading(w)).toBeVisible();
    await expectNoViolations(page, 'thanks');
  });

  test(`${lang}: compact layout closed and open, and the dark theme, have no axe violations`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang, layout: 'compact' });
    await expectNoViolations(page, 'compact closed');
    await w.locator('#pw-open').click();
    await expect(w.locator('#pw-name')).toBeFocused();
    await expectNoViolations(page, 'compact open');

    const d = await openWidget(page, stack, { lang, theme: 'dark' });
    await expect(d.locator('.root')).toHaveAttribute('data-theme', 'dark');
    await expectNoViolations(page, 'dark pitch');
    await submitButton(d).click();
    await expect(d.locator('#pw-email')).toHaveAttribute('aria-invalid', 'true');
    await expectNoViolations(page, 'dark errors shown');
  });
}

test('the demo partner page itself has no axe violations around the widget', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  await expect(page.locator('pledge-widget').locator('[part~="form"]')).toBeVisible();
  const { violations } = await new AxeBuilder({ page }).include('pledge-widget').withTags(TAGS).analyze();
  expect(violations.map((v) => v.id)).toEqual([]);
});
