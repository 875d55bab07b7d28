// The campaign lifecycle seen from a partner's page: an organiser closes the campaign with the
// command line while supporters have it open, and every open widget (the tab holding the
// events stream and a tab hearing it over the BroadcastChannel) shows the closed view with the
// final count, without a reload; reopening brings the form back.
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { widget } from './support/widget.mjs';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

const SLUG = 'no-music-for-ice';

/** Opens the partner page in `context`, recording the widget's events, and waits for its form. */
async function openTab(context) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.pledgeEvents = [];
    for (const name of ['pledge:ready', 'pledge:error']) {
      document.addEventListener(name, (e) => window.pledgeEvents.push(`${name} ${e.detail.code || ''}`.trim()));
    }
  });
  await page.goto(`${stack.partnerOrigin}/partner.html`);
  await expect(widget(page).getByRole('button', { name: /sign/i })).toBeVisible();
  return page;
}

test('closing a campaign from the command line closes the open widgets in every tab, without reload', async ({ browser }) => {
  const context = await browser.newContext();
  const pages = [await openTab(context), await openTab(context)];
  for (const page of pages) {
    expect(await page.evaluate(() => window.pledgeEvents)).toEqual(['pledge:ready']);
  }

  await stack.cli('campaign', 'close', SLUG);
  for (const page of pages) {
    const w = widget(page);
    await expect(w.getByText('This pledge is closed.')).toBeVisible();
    await expect(w.getByRole('button', { name: /sign/i })).toHaveCount(0);
    await expect(w.getByRole('textbox')).toHaveCount(0);
    await expect(w.getByRole('heading', { name: 'No Music for ICE' })).toBeVisible();
    await expect(w.locator('[part~="count"]')).not.toBeEmpty();
    expect(await page.evaluate(() => window.pledgeEvents)).toEqual(['pledge:ready', 'pledge:error campaign_closed']);
  }

  // A fresh load of a closed campaign shows the closed view and never says it is ready.
  const fresh = await context.newPage();
  await fresh.addInitScript(() => {
    window.pledgeEvents = [];
    document.addEventListener('pledge:ready', () => window.pledgeEvents.push('pledge:ready'));
    document.addEventListener('pledge:error', (e) => window.pledgeEvents.push(e.detail.code));
  });
  await fresh.goto(`${stack.partnerOrigin}/partner.html`);
  await expect(widget(fresh).getByText('This pledge is closed.')).toBeVisible();
  expect(await fresh.evaluate(() => window.pledgeEvents)).toEqual(['campaign_closed']);

  await stack.cli('campaign', 'open', SLUG);
  for (const page of pages) {
    await expect(widget(page).getByRole('button', { name: /sign/i })).toBeVisible();
    await expect(widget(page).getByText('This pledge is closed.')).toHaveCount(0);
  }
  await context.close();
});
