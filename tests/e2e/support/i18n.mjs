// Language-independent supporter actions (by element id and part, not by English labels),
// for specs that run the same journey in several languages.
import { expect } from '@playwright/test';
import { widget } from './widget.mjs';

/** Opens the test page with widget options (and `hl`: the host page's <html lang>). */
export async function openWidget(page, stack, params = {}) {
  const q = new URLSearchParams(params).toString();
  await page.goto(`${stack.partnerOrigin}/widget.html${q ? `?${q}` : ''}`);
  const w = widget(page);
  await expect(w.locator('[part~="form"], #pw-open').first()).toBeVisible();
  return w;
}

export async function fillById(w, { name = 'Ada Lovelace', email } = {}) {
  await w.locator('#pw-name').fill(name);
  await w.locator('#pw-email').fill(email);
  await w.locator('#pw-fields-role').selectOption('artist');
  await w.locator('#pw-consent').check();
}

export const submitButton = (w) => w.locator('[part~="submit"]');
export const thanksHeading = (w) => w.locator('#pw-thanks');
