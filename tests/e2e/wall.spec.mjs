// The public signer wall (layout="wall") and the ticker under the count, on a partner page of
// another origin, against the real pledge-server: organiser commands (`wall approve`, `hide`,
// `feature`) reach an open wall without reload; search; WCAG 2.2 AA in en, es and ar; reduced
// motion; 280 px; names stay text.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './support/stack.mjs';
import { openWidget } from './support/i18n.mjs';
import { fillPledge, submit, expectThanks } from './support/widget.mjs';

const SLUG = 'no-music-for-ice';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Signs over HTTP (as a third-party form would): quicker than the widget for setting a wall up. */
async function sign(stack, { name, email, pub = true, role = 'artist', organisation = '' }) {
  const base = `${stack.endpoint}/campaigns/${SLUG}`;
  const campaign = await (await fetch(base)).json();
  const res = await fetch(`${base}/signatures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ name, email, fields: { role, organisation }, consent: { given: true, text: campaign.consent_text }, public: pub, locale: 'en' }),
  });
  expect(res.status, await res.text()).toBeLessThan(300);
}

/** `wall list` rows as objects (the CLI prints tab-separated columns). */
async function wallRows(stack) {
  const out = (await stack.cli('wall', 'list', SLUG)).trim();
  return out ? out.split('\n').map((l) => { const [id, state, featured, shown, , email, name] = l.split('\t'); return { id, state, featured, shown, email, name }; }) : [];
}

async function idOf(stack, email) {
  const row = (await wallRows(stack)).find((r) => r.email === email);
  expect(row, `${email} is on the wall list`).toBeTruthy();
  return row.id;
}

const WALL_CHUNK = /\/widget\/pledge_widget-split-wall-[0-9a-f]{8}\.wasm$/;
const entries = (w) => w.locator('[part~="wall-entry"]');
const names = (w) => w.locator('[part~="wall-name"]');

test.describe('live wall', () => {
  let stack;
  test.beforeEach(async () => { stack = await startStack(); });
  test.afterEach(async () => { await stack.stop(); });

  test('a name shown by choice appears on an open wall after approval, leaves when hidden, leads when featured; a name not shown never appears', async ({ browser }) => {
    const viewer = await (await browser.newContext()).newPage();
    const errors = [];
    viewer.on('pageerror', (e) => errors.push(e.message));
    const wall = await openWidget(viewer, stack, { layout: 'wall' });
    expect(new URL(viewer.url()).origin).not.toBe(stack.pledgeOrigin);
    await expect(wall.locator('[part~="wall"]')).toContainText('No names to show yet.');

    // The supporter's journey on another page (and another browser profile): "show my name" ticked.
    const signer = await (await browser.newContext()).newPage();
    await signer.goto(`${stack.partnerOrigin}/partner.html`);
    const form = signer.locator('pledge-widget');
    await fillPledge(form, { name: 'Wren Public', email: 'wren@example.org' });
    await form.getByRole('checkbox', { name: /show my name publicly/i }).check();
    await submit(form);
    await expectThanks(form);
    // Another supporter who did not tick it, and one more who did.
    await sign(stack, { name: 'Quiet Supporter', email: 'quiet@example.org', pub: false });
    await sign(stack, { name: 'Iris Featured', email: 'iris@example.org', role: 'fan' });

    // Pending review: nobody is shown yet.
    await expect(wall.locator('[part~="open"]')).toBeVisible();
    expect(await entries(wall).count()).toBe(0);
    expect((await wallRows(stack)).map((r) => r.email).sort()).toEqual(['iris@example.org', 'wren@example.org']);

    await stack.cli('wall', 'approve', SLUG, await idOf(stack, 'wren@example.org'));
    await expect(names(wall)).toHaveText(['Wren Public']);
    await stack.cli('wall', 'approve', SLUG, '--all-pending');
    // Grouped by the role field, under its option labels, in the field's order.
    await expect(names(wall)).toHaveText(['Wren Public', 'Iris Featured']);
    await expect(wall.locator('[part~="wall-group"]')).toHaveText(['An artist', 'A fan']);

    await stack.cli('wall', 'feature', SLUG, await idOf(stack, 'iris@example.org'));
    await expect(names(wall)).toHaveText(['Iris Featured', 'Wren Public']);
    await expect(wall.locator('[part~="wall-group"]')).toHaveText(['Featured', 'An artist']);
    await expect(entries(wall).first()).toHaveAttribute('part', /featured/);

    await stack.cli('wall', 'hide', SLUG, await idOf(stack, 'wren@example.org'));
    await expect(names(wall)).toHaveText(['Iris Featured']);
    await expect(wall.locator('[part~="wall"]')).not.toContainText('Quiet Supporter');
    // Searching for the name that was never public finds nothing either.
    await wall.locator('#pw-wall-q').fill('Quiet');
    await expect(wall.locator('[part~="wall"]')).toContainText('No names match your search.');
    await expect(entries(wall)).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

test.describe('a wall with names', () => {
  let stack;
  test.beforeAll(async () => {
    stack = await startStack();
    await sign(stack, { name: 'Ada Lovelace', email: 'ada@example.org', organisation: 'The Engines' });
    await sign(stack, { name: 'Marisol Quintero', email: 'marisol@example.org', organisation: 'Los Faroles' });
    await sign(stack, { name: 'Theo Grant', email: 'theo@example.org', role: 'industry', organisation: 'Crescent Hall' });
    await sign(stack, { name: '<b>Bold</b> שלום Noor', email: 'html@example.org', role: 'fan', organisation: '<i>x</i>' });
    await sign(stack, { name: 'Private Person', email: 'private@example.org', pub: false });
    await stack.cli('wall', 'approve', SLUG, '--all-pending');
  });
  test.afterAll(async () => { await stack.stop(); });

  test('the ticker shows a public name and the right number of others', async ({ page }) => {
    const w = await openWidget(page, stack, {});
    const ticker = w.locator('[part~="ticker"] .ticker-line');
    // Five signatures: one name and four others (the private one counts, unnamed).
    await expect(ticker).toHaveText(/^(Ada Lovelace|Marisol Quintero|Theo Grant|<b>Bold<\/b> שלום Noor) \(.*\) and 4 others have signed/);
    await expect(ticker).not.toContainText('Private Person');
    // Not a live region: rotations are not read out.
    await expect(w.locator('[part~="ticker"] [aria-live], [part~="ticker"][aria-live]')).toHaveCount(0);
  });

  test('the ticker counts others in Spanish with its plural forms', async ({ page }) => {
    const w = await openWidget(page, stack, { lang: 'es' });
    await expect(w.locator('[part~="ticker"]')).toContainText('y 4 personas más han firmado');
  });

  test('search finds a name through the route', async ({ page }) => {
    const w = await openWidget(page, stack, { layout: 'wall' });
    await expect(names(w)).toHaveCount(4);
    const searched = page.waitForRequest((r) => r.url().includes('/signers?') && r.url().includes('q=lovel'));
    await w.locator('#pw-wall-q').fill('lovel');
    await searched;
    await expect(names(w)).toHaveText(['Ada Lovelace']);
    await w.locator('#pw-wall-q').fill('');
    await expect(names(w)).toHaveCount(4);
  });

  test('names and details render as text, isolated', async ({ page }) => {
    const w = await openWidget(page, stack, { layout: 'wall' });
    const odd = names(w).filter({ hasText: 'Noor' });
    await expect(odd).toHaveText('<b>Bold</b> שלום Noor');
    expect(await odd.evaluate((el) => [el.tagName, el.children.length])).toEqual(['BDI', 0]);
    await expect(w.locator('[part~="wall"] b, [part~="wall"] i')).toHaveCount(0);
    await expect(w.locator('[part~="wall-detail"]').filter({ hasText: '<i>x</i>' })).toHaveCount(1);
  });

  test('the wall chunk is fetched once, from the widget origin, after the form accepts typing', async ({ page }) => {
    const chunk = [];
    page.on('request', (r) => { if (WALL_CHUNK.test(r.url())) chunk.push(r.url()); });
    await page.addInitScript(() => {
      window.__wallBeforeReady = null;
      document.addEventListener('pledge:ready', () => {
        window.__wallBeforeReady = performance.getEntriesByType('resource').some((e) => /split-wall/.test(e.name));
      }, { once: true });
    });
    const w = await openWidget(page, stack, {});
    await expect(w.locator('#pw-name')).toBeEditable();
    await expect(w.locator('[part~="ticker"]')).toBeVisible();
    expect(await page.evaluate(() => window.__wallBeforeReady)).toBe(false);
    expect(chunk).toHaveLength(1);
    expect(new URL(chunk[0]).origin).toBe(stack.pledgeOrigin);
  });

  test('the demo index links to the demo wall page, which shows the wall', async ({ page }) => {
    await page.goto(`${stack.partnerOrigin}/index.html`);
    await page.getByRole('link', { name: 'who has signed' }).click();
    await expect(page).toHaveURL(/\/wall\.html$/);
    const w = page.locator('pledge-widget');
    await expect(names(w)).toHaveCount(4);
    await expect(w.getByRole('button', { name: 'Sign too' })).toBeVisible();
  });

  test('an endpoint that answers 404 wall_off on …/signers: no ticker, no wall, the form still opens', async ({ page }) => {
    let asked = 0;
    await page.route('**/signers?**', (route) => { asked += 1; return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"wall_off","message":"no wall"}' }); });
    const w = await openWidget(page, stack, { layout: 'wall' });
    await expect.poll(() => asked).toBe(2);
    await expect(w.locator('[part~="ticker"]')).toBeHidden();
    await expect(w.locator('[part~="wall"]')).toBeHidden();
    await w.getByRole('button', { name: 'Sign too' }).click();
    await expect(w.locator('#pw-name')).toBeFocused();
  });

  test('"Sign too" opens the form', async ({ page }) => {
    const w = await openWidget(page, stack, { layout: 'wall' });
    await w.getByRole('button', { name: 'Sign too' }).click();
    await expect(w.locator('#pw-name')).toBeFocused();
  });

  for (const lang of ['en', 'es', 'ar']) {
    test(`${lang}: the wall and the ticker have no axe violations`, async ({ page }) => {
      const w = await openWidget(page, stack, { lang, layout: 'wall' });
      await expect(names(w)).toHaveCount(4);
      await expect(w.locator('[part~="ticker"]')).toBeVisible();
      if (lang === 'ar') await expect(w.locator('.root')).toHaveAttribute('dir', 'rtl');
      const { violations } = await new AxeBuilder({ page }).include('#pledge').withTags(TAGS).analyze();
      expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' > ')).join(' | ')}`)).toEqual([]);
      await w.locator('#pw-wall-q').fill('zzzz');
      await expect(entries(w)).toHaveCount(0);
      const after = await new AxeBuilder({ page }).include('#pledge').withTags(TAGS).analyze();
      expect(after.violations.map((v) => v.id)).toEqual([]);
    });
  }

  test('dark theme: the wall and the ticker have no axe violations', async ({ page }) => {
    const w = await openWidget(page, stack, { theme: 'dark', layout: 'wall' });
    await expect(names(w)).toHaveCount(4);
    await expect(w.locator('[part~="ticker"]')).toBeVisible();
    const { violations } = await new AxeBuilder({ page }).include('#pledge').withTags(TAGS).analyze();
    expect(violations.map((v) => v.id)).toEqual([]);
  });

  test('reduced motion: the ticker does not rotate', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const w = await openWidget(page, stack, {});
    const ticker = w.locator('[part~="ticker"]');
    await expect(ticker).toBeVisible();
    await expect(ticker).toHaveAttribute('data-rotating', 'false');
    await expect(ticker.locator('[part~="ticker-pause"]')).toHaveCount(0);
  });

  test('without reduced motion the ticker rotates, and can be paused', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    const w = await openWidget(page, stack, {});
    const ticker = w.locator('[part~="ticker"]');
    await expect(ticker).toHaveAttribute('data-rotating', 'true');
    const first = await ticker.locator('bdi').innerText();
    await expect(ticker.locator('bdi')).not.toHaveText(first, { timeout: 15_000 });
    const pause = ticker.locator('[part~="ticker-pause"]');
    await expect(pause).toHaveAttribute('aria-pressed', 'false');
    await pause.click();
    await expect(pause).toHaveAttribute('aria-pressed', 'true');
  });

  test('280 px wide: no horizontal overflow, in English and in Arabic', async ({ page }) => {
    await page.setViewportSize({ width: 280, height: 800 });
    for (const lang of ['en', 'ar']) {
      const w = await openWidget(page, stack, { lang, layout: 'wall' });
      await expect(names(w)).toHaveCount(4);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, lang).toBeLessThanOrEqual(0);
      const inner = await w.locator('.root').evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(inner, lang).toBeLessThanOrEqual(0);
    }
  });
});

test('a campaign without a wall shows no ticker, asks for no names and never fetches the wall chunk', async ({ page }) => {
  const stack = await startStack({ campaigns: [['plain', '--title', 'Plain', '--text', 'No wall here.']] });
  try {
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/signers') || WALL_CHUNK.test(r.url())) asked.push(r.url()); });
    const w = await openWidget(page, stack, { campaign: 'plain', layout: 'wall' });
    await expect(w.locator('#pw-open')).toHaveText('Sign too');
    await expect(w.locator('[part~="ticker"], [part~="wall"]')).toHaveCount(0);
    expect(asked).toEqual([]);
  } finally {
    await stack.stop();
  }
});
