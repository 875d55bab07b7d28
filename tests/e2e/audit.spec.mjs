// What issue 19's accessibility audit found beyond axe, checked in the browser's accessibility
// tree (Chromium's, through the DevTools protocol), on focus and on values, against the real
// server: focus never pulled into the widget by a later delivery, Escape that keeps what was
// typed, fields not exposed as invalid before a failed submit, and announcements said once,
// in the right words.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { contrast } from './support/probe.mjs';
import { openWidget, fillById, submitButton, thanksHeading } from './support/i18n.mjs';

// A campaign in English with a Spanish translation of everything, field and option labels
// included (docs/api.md, `translations.<lang>.fields`), and none in Arabic.
const dir = mkdtempSync(join(tmpdir(), 'pledge-audit-'));
const spanish = join(dir, 'es.json');
writeFileSync(spanish, JSON.stringify({
  title: 'Campos traducidos', text: 'Texto en español.', consent_text: 'Acepto que se guarde mi firma.',
  fields: { role: { label: 'Soy', options: { artist: 'Artista' } } },
}));
const TRANSLATED = ['tr-fields', '--title', 'Translated fields', '--text', 'English text.', '--pow', '0',
  '--consent-text', 'I agree that my signature is kept.', '--field', 'role:select:I am:required:artist=An artist|fan=A fan',
  '--translation', `es:${spanish}`];

// A goal of 2 with one signature: the goal bar half filled, so both its colours show.
const HALF = ['half-way', '--title', 'Half way', '--goal', '2', '--pow', '0'];

let stack;
test.beforeEach(async () => { stack = await startStack({ campaigns: [TRANSLATED, HALF] }); });
test.afterEach(async () => { await stack.stop(); });
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The page's accessibility tree (shadow roots included) as {role, name, props} of the nodes
 *  a screen reader gets (ignored nodes left out). */
async function axNodes(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  return nodes.filter((n) => !n.ignored).map((n) => ({
    role: n.role?.value,
    name: n.name?.value ?? '',
    props: Object.fromEntries((n.properties || []).map((p) => [p.name, p.value?.value])),
  }));
}

/** A button on the host page, outside the widget, holding focus (where a reader went on to). */
async function focusOutside(page) {
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'outside';
    b.textContent = 'Elsewhere on the page';
    document.body.append(b);
    b.focus();
  });
  await expect(page.locator('#outside')).toBeFocused();
}

const liveLine = (w) => w.locator('[aria-live="polite"]');

test('item 1: a signature delivered when the network returns leaves focus where the reader is', async ({ context, page }) => {
  const w = await openWidget(page, stack, { lang: 'en' });
  await fillById(w, { email: 'later@example.org' });
  await context.setOffline(true);
  await submitButton(w).click();
  await expect(w.getByText(/saved/i)).toBeVisible();
  await focusOutside(page);
  await context.setOffline(false);
  await expect(thanksHeading(w)).toBeVisible();
  await expect(page.locator('#outside')).toBeFocused();
  // Not focused, so said once by the polite live line, in the heading's words.
  await expect(liveLine(w)).toHaveText(await thanksHeading(w).innerText());
});

test('item 1: a signature waiting across a reload is delivered without taking focus', async ({ context, page }) => {
  const w = await openWidget(page, stack, { lang: 'en' });
  await fillById(w, { email: 'reload-later@example.org' });
  await context.setOffline(true);
  await submitButton(w).click();
  await expect(w.getByText(/saved/i)).toBeVisible();
  await page.route('**/signatures', (route) => route.abort('internetdisconnected'));
  await context.setOffline(false);
  await page.reload();
  await expect(w.locator('#pw-email')).toHaveValue('reload-later@example.org');
  await focusOutside(page);
  await page.unroute('**/signatures');
  await expect(thanksHeading(w)).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('#outside')).toBeFocused();
  expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
});

for (const lang of ['en', 'es', 'ar']) {
  test(`item 6 (${lang}): signing from the form focuses the thanks heading alone; nothing else is said over it`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    await fillById(w, { email: `heading-${lang}@example.org` });
    await submitButton(w).click();
    const heading = w.getByRole('heading', { level: 2 }).and(thanksHeading(w));
    await expect(heading).toBeFocused();
    // The focused heading is read; the live line does not say a second, different thing.
    await expect(liveLine(w)).toHaveText('');
  });
}

for (const layout of ['compact', 'banner']) {
  for (const lang of ['en', 'ar']) {
    test(`item 2 (${layout}, ${lang}): Escape closes the form and keeps what was typed`, async ({ page }) => {
      const w = await openWidget(page, stack, { lang, layout });
      await w.locator('#pw-open').click();
      await expect(w.locator('#pw-name')).toBeFocused();
      await page.keyboard.type('Kept Typing');
      await w.locator('#pw-email').fill('kept@example.org');
      await w.locator('#pw-consent').check();
      await page.keyboard.press('Escape');
      await expect(w.locator('#pw-open')).toBeFocused();
      await expect(w.locator('[part~="form"]')).toBeHidden();
      await page.keyboard.press('Enter');
      await expect(w.locator('#pw-name')).toBeFocused();
      await expect(w.locator('#pw-name')).toHaveValue('Kept Typing');
      await expect(w.locator('#pw-email')).toHaveValue('kept@example.org');
      await expect(w.locator('#pw-consent')).toBeChecked();
    });
  }
}

test('item 2: Escape on a select belongs to the select: the compact form stays open', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'en', layout: 'compact' });
  await w.locator('#pw-open').click();
  await w.locator('#pw-fields-role').focus();
  await page.keyboard.press('Escape');
  await expect(w.locator('[part~="form"]')).toBeVisible();
  await expect(w.locator('#pw-fields-role')).toBeFocused();
});

for (const lang of ['en', 'es', 'ar']) {
  test(`item 4 (${lang}): untouched fields are required but not invalid; invalid only after a failed submit`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    const nodes = await axNodes(page);
    const controls = nodes.filter((n) => ['textbox', 'combobox', 'checkbox'].includes(n.role));
    expect(controls.length).toBeGreaterThanOrEqual(4);
    expect(controls.filter((n) => n.props.invalid && n.props.invalid !== 'false').map((n) => `${n.role} ${n.name}`)).toEqual([]);
    // Still required: name and email in the tree (Chromium's tree reports `required` for
    // text boxes only), the role select and consent by aria-required.
    expect(controls.filter((n) => n.props.required === true).map((n) => n.role)).toEqual(['textbox', 'textbox']);
    for (const id of ['#pw-fields-role', '#pw-consent']) {
      await expect(w.locator(id)).toHaveAttribute('aria-required', 'true');
      await expect(w.locator(id)).not.toHaveAttribute('required', /.*/);
    }

    await submitButton(w).click();
    await expect(w.locator('#pw-name')).toBeFocused();
    const after = (await axNodes(page)).filter((n) => n.props.invalid === 'true').map((n) => n.role);
    expect(after).toEqual(expect.arrayContaining(['textbox', 'combobox', 'checkbox']));
  });
}

const DONT_SEND = { en: "Don't send", es: 'No enviar', ar: 'عدم الإرسال' };
for (const lang of ['en', 'es', 'ar']) {
  test(`item 6 (${lang}): "saved" is polite information said once, with a "Don't send" button; "Signing…" is said`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    await fillById(w, { email: `saved-${lang}@example.org` });
    // Hold the first request: the busy form says it is signing, in a live region.
    let release;
    const held = new Promise((ok) => { release = ok; });
    let attempts = 0;
    await page.route('**/signatures', async (route) => {
      attempts += 1;
      if (attempts === 1) { await held; }
      await route.abort('internetdisconnected');
    });
    await submitButton(w).click();
    await expect(submitButton(w)).toHaveAttribute('aria-busy', 'true');
    const busyText = await submitButton(w).innerText();
    await expect(w.locator('.sr-only[role="status"]')).toHaveText(busyText);
    release();

    const notice = w.locator('[role="status"].info');
    await expect(notice).not.toBeEmpty();
    await expect(w.getByRole('alert')).toBeHidden();
    await expect(w.getByRole('button', { name: DONT_SEND[lang], exact: true })).toBeVisible();
    // Information, not an error: not in the error colour.
    const colours = await notice.evaluate((el) => {
      const err = el.closest('form').querySelector('.error');
      return [getComputedStyle(el).color, getComputedStyle(err).color];
    });
    expect(colours[0]).not.toBe(colours[1]);
    // Retries do not write it again (each write would be read again).
    await notice.evaluate((el) => {
      window.noticeWrites = 0;
      new MutationObserver((m) => { window.noticeWrites += m.length; }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const seen = attempts;
    await expect.poll(() => attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(seen + 2);
    expect(await page.evaluate(() => window.noticeWrites)).toBe(0);
  });
}

test('item 6: the "Link copied." status region is in the tree before the copy, and says it after', async ({ context, page }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const w = await openWidget(page, stack, { lang: 'en' });
  await fillById(w, { email: 'copier@example.org' });
  await submitButton(w).click();
  await expect(thanksHeading(w)).toBeFocused();
  const region = w.locator('.thanks [role="status"]');
  await expect(region).toHaveText('');
  const statuses = () => axNodes(page).then((n) => n.filter((x) => x.role === 'status').length);
  const before = await statuses();
  expect(before).toBeGreaterThanOrEqual(1);
  await w.getByRole('button', { name: /copy/i }).click();
  await expect(region).toHaveText(/copied/i);
  expect(await statuses()).toBe(before);
});

test('item 5 (es): field and option labels come from the campaign translation, in the widget language', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'es', campaign: 'tr-fields' });
  await expect(w.locator('[part~="title"]')).toHaveText('Campos traducidos');
  const label = w.locator('label[for="pw-fields-role"] > span').first();
  await expect(label).toHaveText('Soy');
  await expect(label).not.toHaveAttribute('lang', /.+/);
  await expect(w.locator('#pw-fields-role option[value="artist"]')).toHaveText('Artista');
  await expect(w.locator('#pw-fields-role option[value="fan"]')).toHaveText('A fan');
  await expect(w.locator('#pw-fields-role option[value="fan"]')).toHaveAttribute('lang', 'en');
  await expect(w.getByRole('combobox', { name: /^Soy/ })).toBeVisible();
  await expect(w.getByRole('checkbox', { name: /Acepto que se guarde mi firma/ })).toBeVisible();
});

test('item 5 (ar): untranslated campaign text keeps its own lang and dir inside the Arabic widget', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'ar', campaign: 'tr-fields' });
  await expect(w.locator('.root')).toHaveAttribute('dir', 'rtl');
  const title = w.locator('[lang="en"]:has(> [part~="title"])');
  await expect(title).toHaveAttribute('dir', 'ltr');
  for (const sel of ['label[for="pw-fields-role"] > span', 'label[for="pw-consent"] > span', '#pw-fields-role option[value="artist"]']) {
    const el = w.locator(sel).first();
    await expect(el, sel).toHaveAttribute('lang', 'en');
    await expect(el, sel).toHaveAttribute('dir', 'ltr');
  }
  // The widget's own words around them stay Arabic, unmarked: the name label, the "choose" option.
  await expect(w.locator('label[for="pw-name"] [lang]')).toHaveCount(0);
  await expect(w.locator('#pw-fields-role option[value=""]')).not.toHaveAttribute('lang', /.+/);
});

const CONSENT = { en: ['Consent', '(required)'], es: ['Consentimiento', '(obligatorio)'], ar: ['الموافقة', null] };
for (const lang of ['en', 'es', 'ar']) {
  test(`item 8 (${lang}): a named region and form, the demands as a list, consent marked required and named by its error`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    const title = await w.locator('[part~="title"]').innerText();
    const nodes = await axNodes(page);
    expect(nodes.filter((n) => n.role === 'region' && n.name === title)).toHaveLength(1);
    expect(nodes.filter((n) => n.role === 'form' && n.name === title)).toHaveLength(1);
    // The demo pledge's four demands.
    await expect(w.locator('[part~="widget"] ul.numbered > li')).toHaveCount(4);
    await expect(w.getByRole('list').getByRole('listitem').first()).toContainText('ICE, CBP and ORR');

    const legend = w.locator('legend');
    const [name] = CONSENT[lang];
    await expect(legend).toContainText(name);
    const marker = await w.locator('label[for="pw-name"] .req').innerText();
    await expect(legend.locator('.req')).toHaveText(marker);
    await submitButton(w).click();
    const error = await w.locator('#pw-consent-err').innerText();
    expect(error.startsWith(name), `"${error}" names the visible "${name}"`).toBe(true);
    // Invalid text inputs get the error colour as a border.
    const [border, errColour] = await w.locator('#pw-name').evaluate((el) => [getComputedStyle(el).borderTopColor, getComputedStyle(el.closest('.field').querySelector('.error')).color]);
    expect(border).toBe(errColour);
  });
}

test('item 8: the compact opener has its own name, not the sign button\'s, and no aria-expanded it never shows', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'en', layout: 'compact' });
  const opener = w.locator('#pw-open');
  await expect(opener).not.toHaveAttribute('aria-expanded', /.*/);
  const openerText = await opener.innerText();
  const openerName = (await axNodes(page)).find((n) => n.role === 'button' && n.name.startsWith(openerText)).name;
  await opener.click();
  const submitText = await submitButton(w).innerText();
  const submitName = (await axNodes(page)).find((n) => n.role === 'button' && n.name === submitText).name;
  expect(openerName).not.toBe(submitName);
  expect(openerName).toContain(await w.locator('[part~="title"]').first().innerText());
});

test('item 8: two widgets of one campaign on a page say a milestone once', async ({ page }) => {
  await page.goto(`${stack.partnerOrigin}/widget.html?lang=en&campaign=half-way`);
  await expect(page.locator('#pledge [part~="count"]')).toBeVisible();
  await page.evaluate(async (endpoint) => {
    const el = document.createElement('div');
    el.id = 'second';
    document.body.append(el);
    await window.PledgeWidget.mount(el, { endpoint, campaign: 'half-way', layout: 'banner', lang: 'en' });
  }, stack.endpoint);
  await expect(page.locator('#second [part~="count"]')).toBeVisible();
  // A signature from elsewhere: the count passes the half-way milestone on both widgets.
  const res = await fetch(`${stack.endpoint}/campaigns/half-way/signatures`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'milestone-once-0001' },
    body: JSON.stringify({ name: 'Elsewhere', email: 'elsewhere@example.org', consent: { given: true, text: 'I agree that the organisers may store my name and email to count my pledge and contact me about it.' } }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  await expect(page.locator('#second [part~="count"]')).toContainText('1');
  await expect(page.locator('#pledge [part~="count"]')).toContainText('1');
  const said = await page.evaluate(() => ['#pledge', '#second'].map((s) => document.querySelector(s).shadowRoot.querySelector('[aria-live="polite"]').textContent));
  expect(said.filter((t) => t.trim() !== '')).toHaveLength(1);
});

test('item 8: in the dark theme with a pink accent the goal bar contrasts 3:1 with its track', async ({ page }) => {
  const res = await fetch(`${stack.endpoint}/campaigns/half-way/signatures`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'goal-bar-pink-0001' },
    body: JSON.stringify({ name: 'Pink', email: 'pink@example.org', consent: { given: true, text: 'I agree that the organisers may store my name and email to count my pledge and contact me about it.' } }),
  });
  expect(res.status).toBe(201);
  await page.goto(`${stack.partnerOrigin}/widget.html?lang=en&campaign=half-way&theme=dark`);
  await page.evaluate(() => { document.querySelector('#pledge').style.setProperty('--pledge-accent', '#c2185b'); });
  const bar = page.locator('#pledge [part~="goal-bar"]');
  await expect(bar).toHaveAttribute('value', '1');
  await page.waitForTimeout(600); // the bar's transition
  const png = await bar.screenshot({ animations: 'disabled' });
  const [fill, track] = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const x = c.getContext('2d');
    x.drawImage(img, 0, 0);
    const y = Math.floor(img.height / 2);
    const at = (px) => Array.from(x.getImageData(px, y, 1, 1).data.slice(0, 3));
    return [at(Math.floor(img.width * 0.25)), at(Math.floor(img.width * 0.75))];
  }, png.toString('base64'));
  expect(contrast(fill, track), `fill ${fill} on track ${track}`).toBeGreaterThanOrEqual(3);
});

for (const lang of ['en', 'ar']) {
  test(`item 3 (${lang}): a trap field filled by a form-filler is a harder proof of work, not a dead end`, async ({ page }) => {
    const w = await openWidget(page, stack, { lang });
    const trap = w.locator('input[aria-hidden="true"][tabindex="-1"]');
    await expect(trap).toHaveCount(1);
    // A name no form-filler or password manager takes for a web address or any other field.
    const name = await trap.getAttribute('name');
    expect(name).not.toMatch(/url|web|site|home|page|link|mail|name|phone|company|address/i);
    await fillById(w, { email: `autofilled-${lang}@example.org` });
    // What an overeager form-filler does: it fills every input it finds.
    await trap.evaluate((el) => { el.value = 'https://my-homepage.example'; });
    const answers = [];
    page.on('response', async (r) => {
      if (r.url().endsWith('/signatures')) answers.push([r.status(), (await r.json()).error]);
    });
    await submitButton(w).click();
    await expect(thanksHeading(w)).toBeVisible({ timeout: 30_000 });
    // First refused for want of the harder proof, then counted with it.
    expect(answers[0]).toEqual([422, 'proof_required']);
    expect(answers.at(-1)[0]).toBe(201);
    expect(await stack.exportRows('no-music-for-ice')).toHaveLength(1);
  });
}
