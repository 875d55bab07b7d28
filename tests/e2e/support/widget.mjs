// Supporter actions on a mounted widget, through the accessible names a screen reader would use.
import { expect } from '@playwright/test';

/** The index-th widget host on the page (Playwright's locators pierce open shadow roots). */
export function widget(page, index = 0) {
  return page.locator('[data-pledge-widget-host], [data-pledge-widget], pledge-widget').nth(index);
}

export async function fillPledge(w, { name = 'Ada Lovelace', email = 'ada@example.org', role = 'artist' } = {}) {
  await w.getByLabel(/^name/i).fill(name);
  await w.getByLabel(/^email/i).fill(email);
  const roleField = w.getByLabel(/^i am/i);
  if (await roleField.count()) await roleField.selectOption(role);
  await w.getByRole('checkbox', { name: /agree/i }).check();
}

export async function submit(w) {
  await w.getByRole('button', { name: /sign/i }).click();
}

export async function countText(w) {
  return (await w.locator('[part~="count"]').innerText()).trim();
}

export async function expectThanks(w) {
  await expect(w.getByRole('heading', { name: /thank/i })).toBeVisible();
}
