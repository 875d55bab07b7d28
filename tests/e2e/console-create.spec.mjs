// A campaign made in the console from nothing (issue 15): an admin fills the new-campaign
// form (a refused first try comes back with what was typed and a reason on the field),
// embeds the new campaign through the builder's snippet on an artist's page of another
// origin, a supporter signs there, and the console shows the signature: the live count,
// the supporter's look-up. Then a field and a translation edited in the console reach the
// partner's widget. axe-core on every new page.
import { createServer } from 'node:http';
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './support/stack.mjs';
import { fillById, submitButton, thanksHeading } from './support/i18n.mjs';
import { widget } from './support/widget.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SLUG = 'bands-for-all';
const PASSWORD = 'a long enough console password';
let stack;
let pasted = '';
const artist = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An artist</title></head><body><h1>Tour dates</h1>\n${pasted}\n</body></html>`);
});
let artistOrigin;
test.beforeAll(async () => {
  await new Promise((ok) => artist.listen(0, '127.0.0.1', ok));
  artistOrigin = `http://127.0.0.1:${artist.address().port}`;
  stack = await startStack();
});
test.afterAll(async () => {
  await stack.stop();
  await new Promise((ok) => artist.close(ok));
});

async function expectNoViolations(page, where) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' > ')).join(' | ')}`);
  expect(found, `axe violations on ${where}`).toEqual([]);
}

async function signIn(page, email) {
  const out = await stack.cli('user', 'add', email, '--role', 'admin', '--public-origin', stack.pledgeOrigin);
  const link = out.split('\n').find((l) => l.startsWith(`${stack.pledgeOrigin}/admin/set-password?token=`));
  expect(link, out).toBeTruthy();
  await page.goto(link);
  await page.getByLabel(/new password/i).fill(PASSWORD);
  await page.getByLabel(/same password again/i).fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Campaigns' })).toBeVisible();
}

test('create a campaign in the console, embed it with the snippet, sign, see the signature in the console', async ({ page, context }) => {
  await signIn(page, 'creator@example.org');
  await page.getByRole('link', { name: 'New campaign' }).click();
  await expect(page.getByRole('heading', { name: 'New campaign' })).toBeVisible();
  await expectNoViolations(page, 'the new-campaign form');

  await page.getByLabel(/short name/i).fill('Bands For All');
  await page.getByLabel('Title', { exact: true }).fill('Bands for all');
  await page.getByLabel('Pledge text').fill('We play for everyone.');
  await page.getByLabel(/^goal/i).fill('100');
  await page.locator('#f0_key').fill('role');
  await page.locator('#f0_kind').selectOption('select');
  await page.locator('#f0_label').fill('I am');
  await page.locator('#f0_options').fill('artist=An artist\nfan=A fan');
  await page.locator('#f0_required').check();
  await page.getByLabel('Who may embed it and sign').selectOption('listed');
  await page.getByLabel(/listed origins/i).fill(artistOrigin);
  await page.getByLabel(/proof-of-work difficulty/i).fill('0');
  await page.getByRole('button', { name: 'Create the campaign' }).click();

  // Refused: the reason is on the slug, everything typed is still there.
  await expect(page.getByRole('alert')).toContainText('1 thing(s) to fix');
  await expect(page.getByLabel(/short name/i)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#slug-error')).toContainText('cannot be in it');
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Bands for all');
  await expect(page.locator('#f0_options')).toHaveValue('artist=An artist\nfan=A fan');
  await expect(page.getByLabel(/listed origins/i)).toHaveValue(artistOrigin);
  await expectNoViolations(page, 'the refused new-campaign form');
  await page.getByRole('link', { name: /cannot be in it/ }).click();
  await expect(page.getByLabel(/short name/i)).toBeFocused();
  await page.getByLabel(/short name/i).fill(SLUG);
  await page.getByRole('button', { name: 'Create the campaign' }).click();

  // Created: straight to its embed builder.
  await expect(page).toHaveURL(new RegExp(`/admin/campaigns/${SLUG}/embed`));
  await expect(page.getByRole('status')).toContainText('Created');
  await page.getByRole('button', { name: /update the snippet/i }).click();
  const snippet = await page.getByLabel('The snippet').inputValue();
  expect(snippet).toContain(`campaign="${SLUG}"`);

  // The snippet pasted on the artist's page (another origin); a supporter signs there.
  pasted = snippet;
  const partner = await context.newPage();
  await partner.goto(`${artistOrigin}/tour.html`);
  const w = widget(partner);
  await expect(w.getByRole('heading', { name: 'Bands for all' })).toBeVisible();
  await expect(w.locator('[part~="form"]')).toBeVisible();
  await fillById(w, { name: 'Grace Hopper', email: 'grace@example.org' });
  await submitButton(w).click();
  await expect(thanksHeading(w)).toBeVisible();

  // The console shows it: the count, and the supporter's look-up.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.locator('#live-count')).toHaveText('1');
  await page.getByRole('link', { name: 'Supporters' }).click();
  await page.getByLabel("Supporter's email").fill('grace@example.org');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByRole('main')).toContainText(SLUG);
  await expect(page.getByRole('main')).toContainText('Grace Hopper');

  // A new field and a Spanish title, edited in the console, reach the partner's widget.
  await page.goto(`${stack.pledgeOrigin}/admin/campaigns/${SLUG}/content`);
  await expectNoViolations(page, 'the fields and translations page');
  await page.locator('#f1_key').fill('city');
  await page.locator('#f1_label').fill('Your city');
  await page.getByRole('button', { name: 'Save fields' }).click();
  await expect(page.getByRole('status')).toContainText('Fields saved');
  await page.getByLabel(/language tag/i).fill('not a tag');
  await page.getByLabel('Title', { exact: true }).fill('Bandas para todos');
  await page.getByRole('button', { name: 'Save this language' }).click();
  await expect(page.locator('#lang-error')).toContainText('language tag');
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Bandas para todos');
  await expectNoViolations(page, 'the refused translation form');
  await page.getByLabel(/language tag/i).fill('es');
  await page.getByRole('button', { name: 'Save this language' }).click();
  await expect(page.getByRole('status')).toContainText('Saved the es text');
  await partner.reload();
  await expect(widget(partner).getByLabel(/your city/i)).toBeVisible();
  pasted = snippet.replace('<pledge-widget ', '<pledge-widget lang="es" ');
  await partner.reload();
  await expect(widget(partner).getByRole('heading', { name: 'Bandas para todos' })).toBeVisible();
  expect(await stack.exportRows(SLUG)).toHaveLength(1);
});
