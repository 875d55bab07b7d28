// What issue 19's review asked of the languages and of text spacing, against the real server:
// Traditional Chinese for zh-Hant and the regions that read it, Portuguese readers in Portugal
// on the (Brazilian) Portuguese file, each language's own punctuation around field errors and
// the required marker, and refusals worded in the visitor's language (never the server's
// English).
import { test, expect } from '@playwright/test';
import { startStack } from './support/stack.mjs';
import { openWidget, fillById, submitButton } from './support/i18n.mjs';

let stack;
test.beforeAll(async () => { stack = await startStack(); });
test.afterAll(async () => { await stack.stop(); });

const TRADITIONAL = '簽署承諾書';
const SIMPLIFIED = '签署承诺书';

/** A page in a browser context whose languages are `locale`, and the language file it fetched. */
async function inBrowser(browser, locale, params) {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const files = [];
  page.on('response', (r) => { if (r.url().includes('/widget/locales/')) files.push(new URL(r.url()).pathname); });
  const w = await openWidget(page, stack, params);
  return { page, w, context, files };
}

test('a zh-TW page gets Traditional Chinese: its file, its words, its tag', async ({ browser }) => {
  const { w, context, files } = await inBrowser(browser, 'zh-TW', { hl: 'zh-TW' });
  await expect(submitButton(w)).toHaveText(TRADITIONAL);
  await expect(w.locator('.root')).toHaveAttribute('lang', 'zh-TW');
  await expect(w.locator('label[for="pw-email"]')).toHaveText('電子郵件（必填）');
  expect(files).toEqual([expect.stringMatching(/\/widget\/locales\/zh-hant-[0-9a-f]{8}\.txt$/)]);
  await context.close();
});

test('Traditional for zh-Hant and zh-HK; Simplified for zh-CN and for zh-Hans even in Taiwan', async ({ page }) => {
  for (const [tag, submit] of [['zh-Hant', TRADITIONAL], ['zh-HK', TRADITIONAL], ['zh-MO', TRADITIONAL],
    ['zh-CN', SIMPLIFIED], ['zh-Hans-TW', SIMPLIFIED], ['zh', SIMPLIFIED]]) {
    const w = await openWidget(page, stack, { lang: tag });
    await expect(submitButton(w), tag).toHaveText(submit);
  }
});

test('a browser in Portugal (pt-PT) gets the Portuguese file, with its own region for formats', async ({ browser }) => {
  const { w, context, files } = await inBrowser(browser, 'pt-PT', { hl: '' });
  await expect(submitButton(w)).toHaveText('Assinar o compromisso');
  await expect(w.locator('.root')).toHaveAttribute('lang', 'pt-PT');
  expect(files).toEqual([expect.stringMatching(/\/widget\/locales\/pt-[0-9a-f]{8}\.txt$/)]);
  await context.close();
});

test('a French field error puts a narrow no-break space before its colon; Chinese a full-width colon', async ({ page }) => {
  let w = await openWidget(page, stack, { lang: 'fr' });
  await submitButton(w).click();
  await expect(w.locator('#pw-name-err')).toHaveText('Nom\u202f: ce champ est obligatoire');
  await expect(w.locator('label[for="pw-name"]')).toHaveText('Nom (obligatoire)');
  await expect(w.locator('label[for="pw-name"] .req')).toHaveText(' (obligatoire)');
  w = await openWidget(page, stack, { lang: 'zh' });
  await submitButton(w).click();
  await expect(w.locator('#pw-name-err')).toHaveText('姓名：此项为必填');
  await expect(w.locator('label[for="pw-name"] .req')).toHaveText('（必填）');
});

test('a refusal is told in the visitor language, never with the server English message', async ({ page }) => {
  // The real server refuses a post whose trap field is filled ("rejected", with the English
  // message "This signature could not be accepted.").
  await page.route('**/signatures', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.website = 'http://spam.example';
    await route.continue({ postData: JSON.stringify(body) });
  });
  const w = await openWidget(page, stack, { lang: 'fr' });
  await fillById(w, { email: 'refus@example.org' });
  const answer = page.waitForResponse((r) => r.url().endsWith('/signatures'));
  await submitButton(w).click();
  const body = await (await answer).json();
  expect(body).toMatchObject({ error: 'rejected', message: 'This signature could not be accepted.' });
  await expect(w.locator('.banner')).toHaveText('Cette signature n’a pas pu être acceptée.');
});
