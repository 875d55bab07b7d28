// The whole journey with the keyboard alone (Tab, Shift-Tab, Space, Enter, typing): no mouse,
// no element.focus(), no fill(); the real server's export then holds the signature.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';

const SLUG = 'no-music-for-ice';
let stack;
test.beforeAll(async () => { stack = await startStack(); });
test.afterAll(async () => { await stack.stop(); });

/** Id (or tag) of the focused element inside the widget's shadow root; null when outside. */
const focused = (page) => page.evaluate(() => {
  const a = document.querySelector('#pledge').shadowRoot.activeElement;
  return a ? a.id || a.getAttribute('part') || a.tagName.toLowerCase() : null;
});

/** Presses Tab until the widget's focus is on `id`; fails after `max` presses (a trap or a gap). */
async function tabTo(page, id, { max = 15, key = 'Tab' } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    seen.push(f);
    if (f === id) return seen;
  }
  throw new Error(`${key} never reached ${id}; focus went ${JSON.stringify(seen)}`);
}

test('signs with the keyboard alone, in a sensible order, and reaches the share actions', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/widget.html?lang=en`);
  await expect(page.locator('#pledge [part~="form"]')).toBeVisible();

  await tabTo(page, 'pw-name');
  await page.keyboard.type('Kay Board');
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('pw-email');
  await page.keyboard.type('kay@example.org');
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('pw-fields-role');
  await page.keyboard.type('An a'); // type-ahead picks "An artist" without opening the list
  // Order follows the form: organisation, country, consent, public name, then submit.
  const order = await tabTo(page, 'pw-consent');
  expect(order).toEqual(['pw-fields-organisation', 'pw-fields-country', 'pw-consent']);
  await page.keyboard.press('Space');
  // Shift-Tab goes back the same way: nothing traps focus.
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toBe('pw-fields-country');
  await tabTo(page, 'submit', { max: 4 });
  await page.keyboard.press('Enter');

  await expect(page.locator('#pledge #pw-thanks')).toBeFocused();
  // The share actions come next in the Tab order.
  await page.keyboard.press('Tab');
  const share = await page.evaluate(() => {
    const a = document.querySelector('#pledge').shadowRoot.activeElement;
    return a && a.closest('.share') !== null;
  });
  expect(share).toBe(true);

  const rows = await stack.exportRows(SLUG);
  expect(rows.filter((r) => r.includes('kay@example.org'))).toHaveLength(1);
  expect(rows.find((r) => r.includes('kay@example.org'))).toContain('artist');
});

test('compact layout: Enter opens, Escape closes and focus returns to the button, Space reopens', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/widget.html?lang=en&layout=compact`);
  await expect(page.locator('#pledge #pw-open')).toBeVisible();
  await tabTo(page, 'pw-open');
  await page.keyboard.press('Enter');
  await expect(page.locator('#pledge #pw-name')).toBeFocused();
  await page.keyboard.type('Esc Ape');
  await page.keyboard.press('Escape');
  await expect(page.locator('#pledge #pw-open')).toBeFocused();
  // Hidden, not thrown away: what was typed is still there when it opens again.
  await expect(page.locator('#pledge [part~="form"]')).toBeHidden();
  await page.keyboard.press('Space');
  await expect(page.locator('#pledge #pw-name')).toBeFocused();
  // The Close button is reachable backwards from the first field, and Enter on it closes.
  await tabTo(page, 'pw-close', { key: 'Shift+Tab', max: 5 });
  await page.keyboard.press('Enter');
  await expect(page.locator('#pledge #pw-open')).toBeFocused();
});
