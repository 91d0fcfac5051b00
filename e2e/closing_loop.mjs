// Browser test of closing the loop, signed in as an admin: the SMTP server is set up on the notifications
// page and a test e-mail reaches a real SMTP server (aiosmtpd, started by scripts/e2e.sh); an alert rule with
// a follow-up is made on the rules page; a detractor's answer (sent through the API) becomes a case, which
// is resolved on its page; the customer answers the follow-up on its own page; an improvement is planned and
// shipped; the praise wall renders. Without JavaScript, as the UI has none.
// Usage: node e2e/closing_loop.mjs BASE_URL EMAIL PASSWORD TOKEN SURVEY_ID SMTP_PORT MAIL_DIR
import { readdirSync, readFileSync } from 'node:fs';
import { check, expect, finish, launch } from './harness.mjs';

const [base, email, password, token, survey, smtpPort, mailDir] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
const mails = () => readdirSync(mailDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(`${mailDir}/${f}`, 'utf8')));

await check('an admin signs in', async () => {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
});

await check('the SMTP server is saved and a test e-mail arrives', async () => {
  await page.goto(`${base}/settings/notifications`);
  await page.locator('#host').fill('127.0.0.1');
  await page.locator('#port').fill(smtpPort);
  await page.locator('#tls').selectOption('none');
  await page.locator('#from').fill('Polku <polku@example.com>');
  await page.locator('form[action="/settings/notifications"] button[type="submit"]').click();
  await page.waitForURL(/saved=1/);
  expect((await page.locator('#host').inputValue()) === '127.0.0.1', 'settings not kept');
  await page.locator('#to').fill('admin-test@example.com');
  await page.locator('form[action="/settings/notifications/test"] button[type="submit"]').click();
  expect((await page.locator('p.flash').first().textContent()).includes('sent to admin-test@example.com'), 'no success shown');
  expect(mails().some((m) => m.rcpt_tos.includes('admin-test@example.com')), 'the SMTP server got nothing');
});

await check('a rule with a follow-up is made on the rules page', async () => {
  await page.goto(`${base}/settings/rules`);
  await page.locator('#rule-name').fill('Detractors');
  await page.locator('#cond-score').check();
  await page.locator('#rule-follow-up').fill('3');
  await page.locator('form[action="/settings/rules"] button[type="submit"]').click();
  expect(await page.getByRole('cell', { name: 'Detractors' }).isVisible(), 'rule not listed');
});

let caseUrl = '';
await check('a detractor becomes a case, e-mailed to the admins, and is resolved on its page', async () => {
  const res = await fetch(`${base}/api/v1/surveys/${survey}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ answers: [{ question: 'nps', value: 2 }, { question: 'why', value: 'Lasku oli väärin.' }], locale: 'fi', customer: 'C-1' }),
  });
  expect(res.status === 201, `answer not stored: ${res.status}`);
  // The server's sender delivers the new case's e-mail to the admins within a few seconds.
  let told = false;
  for (let i = 0; i < 40 && !told; i++) {
    told = mails().some((m) => m.rcpt_tos.includes(email) && m.subject.includes('Detractors'));
    if (!told) await new Promise((r) => setTimeout(r, 250));
  }
  expect(told, 'the case was not e-mailed to the admin');
  await page.goto(`${base}/cases`);
  await page.locator('table.data a[href^="/cases/"]').first().click();
  caseUrl = page.url();
  for (const status of ['in_progress', 'resolved']) {
    await page.locator('#status').selectOption(status);
    await page.locator('form[action$="/status"] button[type="submit"]').click();
  }
  expect(await page.locator('#follow-up').isVisible(), 'no follow-up on the resolved case');
});

await check('the customer answers the follow-up through the link handed over', async () => {
  const link = await page.locator('a[href*="/f/"]').first().getAttribute('href');
  expect(link, 'no follow-up link to hand over');
  const customer = await browser.newPage({ javaScriptEnabled: false });
  await customer.goto(link);
  expect((await customer.locator('legend').textContent()).includes('Suosittelisitko meitä?'), 'not the same question');
  await customer.locator('input[name="score"][value="9"]').check({ force: true });
  await customer.locator('form button[type="submit"]').click();
  expect(await customer.locator('h2').isVisible(), 'no thanks');
  await customer.close();
  await page.goto(caseUrl);
  expect((await page.locator('#follow-up + p').textContent()).includes('2 → 9'), 'the new score is not on the case');
});

await check('an improvement is planned and shipped', async () => {
  await page.goto(`${base}/improvements`);
  await page.locator('#text_en').fill('Invoices are now checked twice before they are sent.');
  await page.locator('input[name="theme"][value="invoicing"]').check();
  await page.locator('form[action="/improvements"] button[type="submit"]').click();
  const card = page.locator('article.improvement').first();
  expect((await card.textContent()).includes('checked twice'), 'improvement not listed');
  await card.locator('form[action$="/ship"] button').click();
  await page.waitForURL(/told=0/);
  expect((await page.locator('article.improvement').first().textContent()).includes('shipped'), 'not shipped');
});

await check('the praise wall renders', async () => {
  await page.goto(`${base}/praise`);
  // The page's link sits in its group's menu, marked, and the group's name is marked too.
  expect((await page.locator('a[aria-current="page"][href="/praise"]').count()) === 1, 'navigation not marked');
  expect((await page.locator('details.nav-group.current').count()) === 1, 'navigation group not marked');
});

await finish(browser);
