// Regenerates docs/themes.png: www/themes.html (light, dark, brand colour) against the real stack.
//   node tests/e2e/support/themes-screenshot.mjs   (after `bash .ci/build-widget` and
//   `cargo build -p pledge-server`, which embeds pkg/)
import { chromium } from '@playwright/test';
import { join } from 'node:path';
import { startStack, root } from './stack.mjs';

const stack = await startStack();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${stack.partnerOrigin}/themes.html`);
  // Each widget's count is shown (with no signature yet it reads "Be the first to sign").
  const counts = page.locator('pledge-widget [part~="count"]');
  for (let i = 0; i < 3; i++) await counts.nth(i).filter({ hasText: /\S/ }).waitFor();
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(root, 'docs/themes.png'), fullPage: true });
} finally {
  await browser.close();
  await stack.stop();
}
