// Browser test of the feedback inbox and the insights page, signed in as a member: search marks the word
// found, the comment opens, a tag and a note are added through the forms (with their CSRF tokens), the
// comment is marked read, and the insights page renders. Without JavaScript, as the UI has none.
// Usage: node e2e/inbox.mjs BASE_URL EMAIL PASSWORD   (scripts/e2e.sh sets everything up)
import { check, expect, finish, launch } from './harness.mjs';

const [base, email, password] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });

await check('a member signs in', async () => {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
});

await check('a search finds the comment in another inflection and marks the word', async () => {
  await page.goto(`${base}/inbox`);
  await page.locator('input[name="q"]').fill('nopeaa');
  await page.locator('form.filters button[type="submit"]').click();
  const comment = page.locator('article.comment').first();
  expect(await comment.isVisible(), 'no comment found');
  expect((await comment.locator('mark').allTextContents()).includes('nopea'), 'search word not marked');
  // The customer's markup is shown as text, never as HTML.
  expect((await comment.textContent()).includes('<b>'), 'markup was not escaped');
  expect((await comment.locator('b').count()) === 0, 'markup became an element');
});

await check('the comment opens, and a tag and a note are added', async () => {
  await page.locator('article.comment .meta a').first().click();
  await page.waitForURL(/\/inbox\/\d+$/);
  await page.locator('#new-tag').fill('Soita takaisin');
  await page.locator('form[action$="/tags"] button[type="submit"]').click();
  expect(await page.getByText('#soita takaisin').first().isVisible(), 'tag not shown');
  await page.locator('#note-body').fill('Soitettu, asiakas tyytyväinen.');
  await page.locator('form[action$="/notes"] button[type="submit"]').click();
  expect(await page.getByText('Soitettu, asiakas tyytyväinen.').isVisible(), 'note not shown');
});

await check('the comment is marked read, then filtered out of the unread', async () => {
  await page.locator('form[action$="/read"] button[type="submit"]').click();
  expect(await page.locator('article.comment.unread').count() === 0, 'still unread');
  await page.goto(`${base}/inbox?unread=1`);
  expect((await page.locator('article.comment').count()) === 0, 'a read comment is listed as unread');
});

await check('the insights page renders its sections', async () => {
  await page.goto(`${base}/insights`);
  expect((await page.locator('h2').count()) >= 3, 'sections missing');
  // The page's link sits in its group's menu, marked, and the group's name is marked too.
  expect((await page.locator('a[aria-current="page"][href="/insights"]').count()) === 1, 'navigation not marked');
  expect((await page.locator('details.nav-group.current').count()) === 1, 'navigation group not marked');
});

await finish(browser);
