// The `heading-level` option (issue 19, item 8): a partner page whose outline puts the widget
// under its own h2 says `heading-level="3"` and gets an h3 title with h4 sub-headings, through
// each of the three ways in (script tag, <pledge-widget>, mount()) and in iframe mode. Checked
// in Chromium's accessibility tree (real h1-h6 elements, which every engine exposes), with the
// look unchanged by the level, a bad value refused like a bad endpoint, and axe at zero.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './support/stack.mjs';
import { openWidget, fillById, submitButton, thanksHeading } from './support/i18n.mjs';
import { widget } from './support/widget.mjs';
import { instrument, heard } from './support/probe.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PAGE_H1 = 'Widget test page';

let stack;
test.beforeEach(async () => { stack = await startStack(); });
test.afterEach(async () => { await stack.stop(); });

/** [name, level] of every heading in the page's accessibility tree (shadow roots included),
 *  in document order, the test page's own h1s left out. */
async function headings(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  return nodes
    .filter((n) => !n.ignored && n.role?.value === 'heading')
    .map((n) => [n.name?.value ?? '', (n.properties || []).find((p) => p.name === 'level')?.value?.value])
    .filter(([name]) => name !== PAGE_H1 && name !== 'A partner page');
}

const levels = async (page) => (await headings(page)).map(([, level]) => level);

async function axeClean(page, scope) {
  const { violations } = await new AxeBuilder({ page }).include(scope).withTags(TAGS).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
}

/** Signs in the open form and waits for the thanks (with the share actions under it). */
async function sign(w, email) {
  await fillById(w, { email });
  await submitButton(w).click();
  await expect(thanksHeading(w)).toBeFocused();
  await expect(w.locator('.share')).toBeVisible();
}

const fontSize = (loc) => loc.evaluate((e) => getComputedStyle(e).fontSize);
const shareHeading = (w) => w.locator('.thanks .sub');

test('default: the title is an h2 and the thanks an h2 with the share actions under an h3', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'en' });
  expect(await headings(page)).toEqual([['No Music for ICE', 2]]);
  await sign(w, 'default-level@example.org');
  expect(await levels(page)).toEqual([2, 3]);
});

test('mount() headingLevel 3: an h3 title, an h3 thanks and h4 share heading, looking as at level 2; axe at zero', async ({ browser, page }) => {
  // The look at the default level, in a browser context of its own (a signature is remembered).
  const other = await browser.newContext();
  const base = await other.newPage();
  const d = await openWidget(base, stack, { lang: 'en' });
  const size = await fontSize(d.locator('[part~="title"]'));
  await sign(d, 'size-at-2@example.org');
  const thanksSizes = [await fontSize(thanksHeading(d)), await fontSize(shareHeading(d))];
  await other.close();

  const w = await openWidget(page, stack, { lang: 'en', headingLevel: '3' });
  expect(await headings(page)).toEqual([['No Music for ICE', 3]]);
  expect(await fontSize(w.locator('[part~="title"]'))).toBe(size);
  await axeClean(page, '#pledge');
  await sign(w, 'level-3@example.org');
  const [[thanks, thanksLevel], [, shareLevel]] = await headings(page);
  expect(thanks).toMatch(/thank/i);
  expect([thanksLevel, shareLevel]).toEqual([3, 4]);
  expect([await fontSize(thanksHeading(w)), await fontSize(shareHeading(w))]).toEqual(thanksSizes);
  await axeClean(page, '#pledge');
});

test('mount() takes the level as a number, and level 1 gives an h1 title', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/widget.html`);
  await page.evaluate((endpoint) => {
    const el = document.getElementById('pledge');
    return window.PledgeWidget.mount(el, { endpoint, campaign: 'no-music-for-ice', lang: 'en', headingLevel: 1 });
  }, stack.endpoint);
  await expect(widget(page).locator('h1[part~="title"]')).toBeVisible();
  expect(await headings(page)).toEqual([['No Music for ICE', 1]]);
});

test('the script tag\'s data-heading-level reaches the widget; the wall under a level-5 title stops at h6', async ({ page }) => {
  const q = new URLSearchParams({ endpoint: stack.endpoint, campaign: 'no-music-for-ice', lang: 'en', layout: 'wall', 'heading-level': '5' });
  await page.goto(`${stack.partnerOrigin}/embed.html?${q}`);
  const w = widget(page);
  await expect(w.locator('[part~="wall"]')).toBeVisible();
  const found = await headings(page);
  expect(found[0]).toEqual(['No Music for ICE', 5]);
  expect(found.slice(1).map(([, level]) => level)).toEqual([6]);
  await expect(w.locator('h6#pw-wall-heading')).toBeVisible();
  await axeClean(page, 'pledge-widget');
});

test('<pledge-widget heading-level="4">: an h4 title in the compact layout', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/widget.html`);
  await page.evaluate((endpoint) => {
    const el = document.createElement('pledge-widget');
    for (const [k, v] of Object.entries({ endpoint, campaign: 'no-music-for-ice', lang: 'en', layout: 'compact', 'heading-level': '4' })) el.setAttribute(k, v);
    document.getElementById('pledge').replaceWith(el);
  }, stack.endpoint);
  await expect(page.locator('pledge-widget #pw-open')).toBeVisible();
  expect(await headings(page)).toEqual([['No Music for ICE', 4]]);
});

test('iframe mode passes heading-level through its query', async ({ page }) => {
  await page.goto(`${stack.pledgeOrigin}/embed/no-music-for-ice?lang=en&heading-level=3`);
  await expect(widget(page).locator('h3[part~="title"]')).toBeVisible();
  expect(await headings(page)).toEqual([['No Music for ICE', 3]]);
});

for (const [how, bad, message] of [
  ['script tag', '7', 'data-heading-level "7" is not a heading level: use 1 to 6 (default 2)'],
  ['script tag', 'h3', 'data-heading-level "h3" is not a heading level: use 1 to 6 (default 2)'],
  ['mount()', '0', 'mount() option headingLevel "0" is not a heading level: use 1 to 6 (default 2)'],
]) {
  test(`${how}: heading level "${bad}" is refused with bad_options naming the option`, async ({ page }) => {
    const logged = [];
    page.on('console', (m) => m.type() === 'error' && m.text().startsWith('[pledge-widget]') && logged.push(m.text()));
    await instrument(page);
    if (how === 'mount()') {
      await page.goto(`${stack.partnerOrigin}/widget.html?lang=en&headingLevel=${bad}`);
    } else {
      const q = new URLSearchParams({ endpoint: stack.endpoint, campaign: 'no-music-for-ice', lang: 'en', 'heading-level': bad });
      await page.goto(`${stack.partnerOrigin}/embed.html?${q}`);
    }
    const w = widget(page);
    await expect(w.getByRole('alert')).toBeVisible();
    await expect(w.locator('form, input, button')).toHaveCount(0);
    await expect.poll(() => heard(page, 'error')).toHaveLength(1);
    const [error] = await heard(page, 'error');
    expect(error.detail.code).toBe('bad_options');
    expect(error.detail.message).toBe(`bad_options: ${message}`);
    expect(logged).toEqual([`[pledge-widget] bad_options: ${message}`]);
  });
}
