// Browser test of inviting customers, signed in as an admin on the survey's Send tab, and of the personal link
// on a phone: the invitation reaches a real SMTP server (aiosmtpd, started by scripts/e2e.sh, already set up by
// closing_loop.mjs), a score in the mail's HTML opens the page with that score chosen on a 390 px screen, and
// the answer sent from there is stored with the customer and the e-mail channel. A trigger is added and
// removed in the same tab. Without JavaScript, as the UI has none.
// Usage: node e2e/invitations.mjs BASE_URL EMAIL PASSWORD TOKEN SURVEY_ID MAIL_DIR
import { readdirSync, readFileSync } from 'node:fs';
import { check, expect, finish, launch } from './harness.mjs';

const [base, email, password, token, survey, mailDir] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
const mails = () => readdirSync(mailDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(`${mailDir}/${f}`, 'utf8')));
const api = (path, method, body) => fetch(`${base}${path}`, {
  method,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});
const to = 'kutsuttu@example.com';

await check('a customer to invite, at any hour', async () => {
  const rules = await api('/api/v1/contact-rules', 'PUT', { days_between: 30, quiet_hours: null, quiet_days: [], require_consent: false });
  expect(rules.status === 200, `contact rules: ${rules.status}`);
  const res = await api('/api/v1/customers:batch', 'POST', [{ external_id: 'INV-1', name: 'Kutsuttu', email: to, language: 'en' }]);
  expect(res.status === 200, `customer not stored: ${res.status}`);
});

await check('an admin signs in and opens the Send tab from the survey', async () => {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`${base}/surveys/${survey}`);
  await page.locator(`a[href="/surveys/${survey}/send"]`).click();
  expect(await page.locator('details summary').first().isVisible(), 'no message preview');
});

await check('a trigger is added and removed', async () => {
  await page.locator('#event').selectOption('order_fulfilled');
  await page.locator('#delay_days').fill('3');
  await page.locator('form[action$="/triggers"] button[type="submit"]').click();
  expect(await page.getByRole('cell', { name: 'order fulfilled' }).isVisible(), 'trigger not listed');
  await page.locator('form[action$="/delete"] button[type="submit"]').first().click();
  expect(await page.getByText('No triggers yet.').isVisible(), 'trigger not removed');
});

let scoreLink = '';
await check('the invitation is sent and reaches the SMTP server with a score row', async () => {
  await page.locator('#customers').fill('INV-1');
  await page.locator('#channel').selectOption('email');
  await page.locator('form[action$="/send"] button[type="submit"]').click();
  expect((await page.locator('.flash').first().textContent()).includes('Invitations queued: 1'), 'not queued');
  let mail;
  for (let i = 0; i < 60 && !mail; i++) {
    mail = mails().find((m) => m.rcpt_tos.includes(to));
    if (!mail) await new Promise((r) => setTimeout(r, 250));
  }
  expect(mail, 'the invitation was not mailed');
  const hrefs = [...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
  scoreLink = hrefs.find((h) => h.endsWith('q_nps=8'));
  expect(scoreLink, `no score link in the HTML: ${mail.html.slice(0, 300)}`);
});

await check('on a phone, the score link opens the survey with 8 chosen and nothing stored yet', async () => {
  const phone = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const url = new URL(scoreLink);
  await phone.goto(`${base}${url.pathname}${url.search}`);
  expect(await phone.locator('input[name="q_nps"][value="8"]').isChecked(), 'the score is not chosen');
  const { scroll, width } = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  expect(scroll <= width, `the page scrolls sideways on a phone: ${scroll} > ${width}`);
  const before = await (await api('/api/v1/customers/INV-1/export', 'GET')).json();
  expect(before.responses.length === 0, 'the click alone stored an answer');
  await phone.locator('textarea[name="q_why"]').fill('Quick delivery');
  await phone.getByRole('button', { name: 'Send' }).click();
  await phone.waitForURL(/\/thanks/);
  const after = await (await api('/api/v1/customers/INV-1/export', 'GET')).json();
  expect(after.responses.length === 1 && after.responses[0].channel === 'email', `not stored with the customer: ${JSON.stringify(after.responses)}`);
  await phone.goto(`${base}${url.pathname}${url.search}`);
  expect(await phone.getByText('Already answered').isVisible(), 'a second visit does not say answered');
  await phone.close();
});

await check('the send log shows the invitation answered', async () => {
  await page.goto(`${base}/surveys/${survey}/send`);
  expect(await page.getByRole('cell', { name: 'answered' }).first().isVisible(), 'log does not say answered');
});

await finish(browser);
