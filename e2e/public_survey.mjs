// Browser test of what only a browser can show: the public survey page without JavaScript in headless
// Chromium. It checks that choosing a score reveals the follow-up prompt of that score band (pure CSS
// `:has()` rules), that the scale works from the keyboard, and that sending lands on the thank-you page.
// Usage: node e2e/public_survey.mjs BASE_URL SLUG   (scripts/e2e.sh sets everything up)
import { check, expect, finish, launch } from './harness.mjs';

const [base, slug] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
const visible = (sel) => page.locator(sel).first().isVisible();

await check('the page opens in the browser language', async () => {
  await page.goto(`${base}/s/${slug}`);
  expect((await page.getAttribute('html', 'lang')) === 'en', 'lang attribute is not en');
  expect(await page.getByText('How likely are you to recommend us?').isVisible(), 'question text not visible');
});

await check('before a score is chosen, the generic follow-up prompt shows', async () => {
  expect(await visible('.followup .band.generic'), 'generic prompt hidden');
  expect(!(await visible('.followup .band.b4-0')), 'detractor prompt shown too early');
});

await check('a detractor score reveals the detractor prompt only', async () => {
  await page.locator('label:has(input[name="q_nps"][value="3"])').click();
  expect(await page.getByText('What went wrong?').isVisible(), 'detractor prompt not visible');
  expect(!(await page.getByText('What did you like?').isVisible()), 'promoter prompt visible');
  expect(!(await visible('.followup .band.generic')), 'generic prompt still visible');
});

await check('changing to a promoter score swaps the prompt', async () => {
  await page.locator('label:has(input[name="q_nps"][value="10"])').click();
  expect(await page.getByText('What did you like?').isVisible(), 'promoter prompt not visible');
  expect(!(await page.getByText('What went wrong?').isVisible()), 'detractor prompt still visible');
});

await check('the scale can be used from the keyboard', async () => {
  await page.locator('input[name="q_nps"][value="10"]').focus();
  await page.keyboard.press('ArrowLeft');
  expect(await page.locator('input[name="q_nps"][value="9"]').isChecked(), 'arrow key did not move the choice');
});

await check('sending the answer shows the thank-you page', async () => {
  await page.locator('textarea[name="q_why"]').fill('Siisti jälki ja <b>nopea</b> palvelu');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/thanks/);
  expect(await page.getByText('Thank you!').isVisible(), 'no thank-you text');
});

await finish(browser);
