// Languages against the real server: which language a widget picks (option, then the host
// page's <html lang>, then the browser's languages, then English), right-to-left layout,
// locale formats, partner string overrides, and the languages' files on the wire.
import { test, expect } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from './support/stack.mjs';
import { widget } from './support/widget.mjs';
import { openWidget, submitButton } from './support/i18n.mjs';

let stack;
test.beforeAll(async () => {
  // Per-language campaign text, given to `campaign create --translation es:FILE`.
  const dir = mkdtempSync(join(tmpdir(), 'pledge-i18n-'));
  const es = join(dir, 'es.json');
  writeFileSync(es, JSON.stringify({ title: 'Paren las redadas', text: 'Texto en español.', consent_text: 'Acepto que guarden mis datos.' }));
  stack = await startStack({ campaigns: [
    // Signed straight through the API below, so without proof of work.
    ['plural-check', '--title', 'Plural check', '--pow', '0', '--consent-text', 'ok'],
    ['translated', '--title', 'Stop the raids', '--text', 'English text.', '--translation', `es:${es}`],
  ] });
});
test.afterAll(async () => { await stack.stop(); });

const SUBMIT = {
  en: 'Sign the pledge', es: 'Firmar el compromiso', fr: 'Signer l’engagement', pt: 'Assinar o compromisso',
  de: 'Jetzt unterschreiben', it: 'Firma l’impegno', ar: 'وقّع على التعهد', zh: '签署承诺书', vi: 'Ký cam kết',
  tl: 'Lumagda sa pangako', ko: '서약에 서명하기', ht: 'Siyen angajman an',
};

async function shown(browser, locale, params) {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const w = await openWidget(page, stack, params);
  return { page, w, context };
}

test('the lang option wins over the host page and the browser', async ({ browser }) => {
  const { w, context } = await shown(browser, 'fr-FR', { lang: 'es', hl: 'de' });
  await expect(submitButton(w)).toHaveText(SUBMIT.es);
  await expect(w.locator('.root')).toHaveAttribute('lang', 'es');
  await context.close();
});

test("the host page's <html lang> wins over the browser's languages", async ({ browser }) => {
  const { w, context } = await shown(browser, 'fr-FR', { hl: 'de-AT' });
  await expect(submitButton(w)).toHaveText(SUBMIT.de);
  await expect(w.locator('.root')).toHaveAttribute('lang', 'de-AT');
  await context.close();
});

test("without lang option or <html lang>, the browser's languages decide; else English", async ({ browser }) => {
  let r = await shown(browser, 'pt-BR', { hl: '' });
  await expect(submitButton(r.w)).toHaveText(SUBMIT.pt);
  await r.context.close();
  r = await shown(browser, 'sw-KE', { hl: '' });
  await expect(submitButton(r.w)).toHaveText(SUBMIT.en);
  await expect(r.w.locator('.root')).toHaveAttribute('lang', 'en');
  await r.context.close();
});

test('every language renders, matched by primary subtag and aliases', async ({ page }) => {
  const tags = { en: 'en-GB', es: 'es-419', fr: 'fr-CA', pt: 'pt-PT', de: 'de', it: 'it-IT', ar: 'ar-EG',
    zh: 'zh-Hans-CN', vi: 'vi', tl: 'fil', ko: 'ko-KR', ht: 'ht' };
  for (const [lang, tag] of Object.entries(tags)) {
    const w = await openWidget(page, stack, { lang: tag });
    await expect(submitButton(w), tag).toHaveText(SUBMIT[lang]);
    // The count phrase is the language's own (fresh DB: its "be the first to sign").
    const count = w.locator('[part~="count"]');
    if (lang === 'en') await expect(count, tag).toHaveText('Be the first to sign');
    else await expect(count, tag).not.toHaveText(/^(Be the first to sign)?$/);
  }
});

test('exact count phrases from the real server: 0, then 1 and 2 after signatures (en, es, ar)', async ({ page, request }) => {
  const expected = {
    en: ['Be the first to sign', '1 person has signed', '2 people have signed'],
    es: ['Sé la primera persona en firmar', '1 persona ha firmado', '2 personas han firmado'],
    // Arabic says one and two in words (docs/i18n.md, Plurals).
    ar: ['كن أول من يوقّع', 'توقيع واحد', 'توقيعان'],
  };
  const slug = 'plural-check';
  for (let signed = 0; signed < 3; signed++) {
    for (const [lang, phrases] of Object.entries(expected)) {
      const w = await openWidget(page, stack, { lang, campaign: slug });
      await expect(w.locator('[part~="count"]'), `${lang} ${signed}`).toHaveText(phrases[signed]);
    }
    const res = await request.post(`${stack.endpoint}/campaigns/${slug}/signatures`, {
      headers: { 'Idempotency-Key': `plural-${signed}-key` },
      data: { name: `Signer ${signed}`, email: `plural${signed}@example.org`, fields: {}, consent: { given: true, text: 'ok' } },
    });
    expect(res.status()).toBe(201);
  }
});

test('Arabic lays out right to left: direction rtl and the submit button mirrored', async ({ page }) => {
  const box = async (lang, what) => {
    const w = await openWidget(page, stack, { lang });
    const root = await w.locator('.root').boundingBox();
    const el = await what(w).boundingBox();
    const direction = await w.locator('.root').evaluate((e) => getComputedStyle(e).direction);
    return { direction, start: el.x - root.x, end: root.x + root.width - (el.x + el.width) };
  };
  for (const what of [submitButton, (w) => w.locator('#pw-consent')]) {
    const ltr = await box('en', what);
    const rtl = await box('ar', what);
    expect(ltr.direction).toBe('ltr');
    expect(rtl.direction).toBe('rtl');
    // It hugs the left edge in English and the right edge in Arabic, at the same distance.
    expect(ltr.start).toBeLessThan(ltr.end);
    expect(rtl.end).toBeLessThan(rtl.start);
    expect(Math.abs(rtl.end - ltr.start)).toBeLessThan(2);
  }
});

test('country defaults to the region of the locale (es-MX → MX), none without a region', async ({ page }) => {
  let w = await openWidget(page, stack, { lang: 'es-MX' });
  await expect(w.locator('#pw-fields-country')).toHaveValue('MX');
  // Country names come from Intl.DisplayNames in the widget's language.
  await expect(w.locator('#pw-fields-country option[value="DE"]')).toHaveText('Alemania');
  w = await openWidget(page, stack, { lang: 'en' });
  await expect(w.locator('#pw-fields-country')).toHaveValue('');
});

test('a partner overrides UI strings: strings option (JS API) and data-strings attribute', async ({ page }) => {
  const w = await openWidget(page, stack, { lang: 'en', strings: JSON.stringify({ submit: 'Add my name', name: 'Full name' }) });
  await expect(submitButton(w)).toHaveText('Add my name');
  await expect(w.getByLabel(/^full name/i)).toBeVisible();
  await page.goto(`${stack.partnerOrigin}/strings.html`);
  await expect(submitButton(widget(page))).toHaveText('Añadir mi nombre');
  await expect(widget(page).locator('#pw-name')).toBeVisible();
});

test('unknown strings keys are named in one console warning per page', async ({ page }) => {
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m));
  await page.goto(`${stack.partnerOrigin}/strings.html`);
  await expect(widget(page, 1).locator('#pw-open')).toBeVisible();
  await expect(submitButton(widget(page))).toBeVisible();
  expect(warnings).toHaveLength(1);
  expect(warnings[0].text()).toMatch(/^\[pledge-widget\] strings: unknown keys ignored/);
  expect(await warnings[0].args()[1].jsonValue()).toEqual(['unknown_key', 'submt']);
});

test('the compact opener follows a submit override, unless open_form is given too', async ({ page }) => {
  let w = await openWidget(page, stack, { lang: 'en', layout: 'compact', strings: JSON.stringify({ submit: 'Add my name' }) });
  await expect(w.locator('#pw-open')).toHaveText('Add my name');
  w = await openWidget(page, stack, { lang: 'en', layout: 'compact', strings: JSON.stringify({ open_form: 'Join us', submit: 'Add my name' }) });
  await expect(w.locator('#pw-open')).toHaveText('Join us');
  await w.locator('#pw-open').click();
  await expect(submitButton(w)).toHaveText('Add my name');
});

test('campaign text without a translation keeps its own language and direction', async ({ page }) => {
  // Arabic widget, English-only campaign: the pitch says lang="en" dir="ltr", so the text is
  // laid out left to right (no ".ICE" at the wrong end) inside the right-to-left widget.
  let w = await openWidget(page, stack, { lang: 'ar', campaign: 'translated' });
  await expect(w.locator('[part~="widget"]')).toHaveAttribute('dir', 'rtl');
  const pitch = w.locator('div:has(> h2[part~="title"])');
  await expect(pitch).toHaveAttribute('lang', 'en');
  await expect(pitch).toHaveAttribute('dir', 'ltr');
  expect(await pitch.evaluate((el) => getComputedStyle(el.querySelector('p')).direction)).toBe('ltr');
  // With a translation the text is in the widget's language: nothing of its own to say.
  w = await openWidget(page, stack, { lang: 'es', campaign: 'translated' });
  await expect(w.getByRole('heading', { level: 2 })).toHaveText('Paren las redadas');
  await expect(w.locator('div:has(> h2[part~="title"])')).not.toHaveAttribute('lang', /./);
});

test('only the chosen language is downloaded, from a content-hashed, immutable file', async ({ page }) => {
  const fetched = [];
  page.on('response', (r) => { if (r.url().includes('/widget/locales/')) fetched.push(r); });
  await openWidget(page, stack, { lang: 'en' });
  expect(fetched).toHaveLength(0);
  await openWidget(page, stack, { lang: 'ko' });
  expect(fetched.map((r) => new URL(r.url()).pathname)).toEqual([expect.stringMatching(/\/widget\/locales\/ko-[0-9a-f]{8}\.txt$/)]);
  expect(fetched[0].headers()['cache-control']).toContain('immutable');
});

test('campaign text follows the widget language when the campaign has it (translations)', async ({ page }) => {
  let w = await openWidget(page, stack, { lang: 'es-MX', campaign: 'translated' });
  await expect(w.getByRole('heading', { level: 2 })).toHaveText('Paren las redadas');
  await expect(w.locator('[part~="form"]')).toContainText('Acepto que guarden mis datos.');
  await expect(w.getByText('Texto en español.')).toBeVisible();
  // No French text: the campaign's own, with French UI strings around it.
  w = await openWidget(page, stack, { lang: 'fr', campaign: 'translated' });
  await expect(w.getByRole('heading', { level: 2 })).toHaveText('Stop the raids');
  await expect(submitButton(w)).toHaveText(SUBMIT.fr);
  const doc = await (await page.request.get(`${stack.endpoint}/campaigns/translated`)).json();
  expect(doc.translations.es.title).toBe('Paren las redadas');
  // The document's languages include the translations'.
  expect(doc.languages).toEqual(['en', 'es']);
});
