// The organiser console (issue 15) in a real browser: an admin made with `user add` sets a
// password through the printed link and signs in with the keyboard alone; the dashboard,
// the embed builder's snippet pasted on a partner page of another origin, a signature
// there moving the live count and the chart; closing the campaign in the console and the
// partner's widget saying so; axe-core on the console's pages.
import { createServer } from 'node:http';
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './support/stack.mjs';
import { fillById, submitButton, thanksHeading } from './support/i18n.mjs';
import { widget } from './support/widget.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SLUG = 'no-music-for-ice';
const PASSWORD = 'a long enough console password';
let stack;
// An artist's site of its own (a loopback origin, as a real partner's would be public):
// it serves whatever snippet the test pasted into it.
// A second artist's site is added from the console later.
let pasted = '';
const artistSite = () => createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An artist</title></head><body><h1>Tour dates</h1>\n${pasted}\n</body></html>`);
});
const artist = artistSite();
const secondArtist = artistSite();
const listen = async (server) => {
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${server.address().port}`;
};
let artistOrigin;
let secondArtistOrigin;
test.beforeAll(async () => {
  artistOrigin = await listen(artist);
  secondArtistOrigin = await listen(secondArtist);
  stack = await startStack({ demoArgs: ['--allowed-origin', artistOrigin] });
});
test.afterAll(async () => {
  await stack.stop();
  await new Promise((ok) => artist.close(ok));
  await new Promise((ok) => secondArtist.close(ok));
});

async function expectNoViolations(page, where) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' > ')).join(' | ')}`);
  expect(found, `axe violations on ${where}`).toEqual([]);
}

/** `user add` through the real binary; the one-time link it printed. */
async function addUser(email, role) {
  const out = await stack.cli('user', 'add', email, '--role', role, '--public-origin', stack.pledgeOrigin);
  const link = out.split('\n').find((l) => l.startsWith(`${stack.pledgeOrigin}/admin/set-password?token=`));
  expect(link, out).toBeTruthy();
  return link;
}

/** Sets the password through the link, then signs in using only the keyboard. */
async function signInWithKeyboard(page, email) {
  await page.goto(await addUser(email, 'admin'));
  await page.getByLabel(/new password/i).fill(PASSWORD);
  await page.getByLabel(/same password again/i).fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/admin\/login\?password-set/);
  await expect(page.getByText(/your password is set/i)).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Campaigns' })).toBeVisible();
}

test('login page has no axe violations and a wrong password is refused', async ({ page }) => {
  await page.goto(`${stack.pledgeOrigin}/admin/login`);
  await expectNoViolations(page, 'the login page');
  await page.getByLabel('Email').fill('nobody@example.org');
  await page.getByLabel('Password').fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(/do not match/);
  await expectNoViolations(page, 'the login page with its error');
});

test('sign in, embed with the builder on two origins, sign there, watch the count and chart move, close', async ({ page, context }) => {
  await signInWithKeyboard(page, 'admin@example.org');
  await page.getByRole('link', { name: 'No Music for ICE' }).click();
  await expect(page.locator('#live-count')).toHaveText('0');
  await expect(page.locator('#per-hour')).toHaveAttribute('data-total', '0');
  await expectNoViolations(page, 'the dashboard');

  // The builder: choices in a form, the snippet in a read-only textarea, a live preview.
  const builder = await context.newPage();
  await builder.goto(`${stack.pledgeOrigin}/admin/campaigns/${SLUG}/embed`);
  await builder.getByLabel('Layout').selectOption('full');
  await builder.getByLabel('Theme').selectOption('dark');
  await builder.getByLabel(/accent/i).fill('#c2185b');
  await builder.getByRole('button', { name: /update the snippet/i }).click();
  const snippet = await builder.getByLabel('The snippet').inputValue();
  expect(snippet).toContain(`endpoint="${stack.pledgeOrigin}/api/v1"`);
  expect(snippet).toContain('theme="dark" accent="#c2185b"');
  await expect(builder.frameLocator('iframe.preview').locator('pledge-widget')).toHaveAttribute('data-theme', 'dark');
  await expectNoViolations(builder, 'the embed builder');
  await builder.close();

  // The snippet, pasted as is into the artist's page, on another origin.
  pasted = snippet;
  const partner = await context.newPage();
  await partner.goto(`${artistOrigin}/tour.html`);
  const w = widget(partner);
  await expect(w.locator('[part~="form"]')).toBeVisible();
  await fillById(w, { email: 'console-e2e@example.org' });
  await submitButton(w).click();
  await expect(thanksHeading(w)).toBeVisible();

  // The dashboard, still open, hears the new count over its event stream.
  await expect(page.locator('#live-count')).toHaveText('1');
  await page.reload();
  await expect(page.locator('#per-hour')).toHaveAttribute('data-total', '1');
  await expect(page.locator('#per-day')).toHaveAttribute('data-total', '1');
  const partnerHost = new URL(artistOrigin).host;
  await expect(page.locator('.breakdown').filter({ hasText: 'By partner site' })).toContainText(partnerHost);
  await page.getByRole('link', { name: 'Partners' }).click();
  await expect(page.getByRole('row', { name: new RegExp(partnerHost) })).toContainText('yes');

  await page.getByRole('link', { name: 'Moderation' }).click();
  await expect(page.getByRole('heading', { name: /signer wall/i })).toBeVisible();
  await expectNoViolations(page, 'the moderation page');

  // A second partner's origin, added in the console; a signature from there counts.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expectNoViolations(page, 'the settings page');
  await expect(page.getByText('Only the listed origins may embed and sign.')).toBeVisible();
  await page.getByLabel(/add an origin/i).fill(secondArtistOrigin);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('status')).toContainText(secondArtistOrigin);
  const second = await context.newPage();
  await second.goto(`${secondArtistOrigin}/news.html`);
  const w2 = widget(second);
  await expect(w2.locator('[part~="form"]')).toBeVisible();
  await fillById(w2, { email: 'console-e2e-second@example.org' });
  await submitButton(w2).click();
  await expect(thanksHeading(w2)).toBeVisible();
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.locator('#live-count')).toHaveText('2');
  await expect(page.locator('.breakdown').filter({ hasText: 'By partner site' })).toContainText(new URL(secondArtistOrigin).host);

  // Closed in the console: the partner's widget, reloaded, says so with the final count and
  // offers no form (issue 15's closed view).
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Close the campaign' }).click();
  await expect(page.getByRole('status')).toHaveText(/is closed/);
  await expect(page.getByRole('heading', { name: 'State: closed' })).toBeVisible();
  await partner.reload();
  const late = widget(partner);
  await expect(late.getByRole('status').filter({ hasText: /closed/i })).toBeVisible();
  await expect(late.locator('[part~="form"]')).toHaveCount(0);
  expect(await stack.exportRows(SLUG)).toHaveLength(2);
});
