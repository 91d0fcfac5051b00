// Browser test of the customer-data pages, signed in as an admin: a WooCommerce connection is made on its
// settings page, and an order signed with the secret shown there reaches its endpoint URL; the customer is
// found and their story read; the journey is edited and the map shows the touchpoint; the money page compares
// the figures with and without the few; the privacy page erases the customer after the id is typed twice.
// Usage: node e2e/customers_money.mjs BASE_URL EMAIL PASSWORD TOKEN SURVEY_ID
import { createHmac } from 'node:crypto';
import { check, expect, finish, launch } from './harness.mjs';

const [base, email, password, token, survey] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ locale: 'en-GB', javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
const api = (path, body) => fetch(`${base}${path}`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

await check('an admin signs in', async () => {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
});

let hook = '';
let secret = '';
await check('a WooCommerce connection shows its URL and secret once', async () => {
  await page.goto(`${base}/settings/connections`);
  await page.locator('#kind').selectOption('woocommerce');
  await page.locator('#name').fill('Verkkokauppa');
  await page.locator('form[action="/settings/connections"] button[type="submit"]').click();
  const codes = await page.locator('.flash code').allTextContents();
  hook = codes.find((c) => c.includes('/hooks/')) || '';
  secret = codes.find((c) => /^[A-Za-z0-9]{32}$/.test(c)) || '';
  expect(hook && secret, `no URL or secret shown: ${codes}`);
});

await check('a signed order reaches the endpoint URL and is counted', async () => {
  const order = JSON.stringify({
    id: 727, number: '727', status: 'processing', currency: 'EUR', date_created_gmt: '2026-11-20T14:28:02',
    total: '129.00', customer_id: 0, billing: { first_name: 'Maija', last_name: 'Meikäläinen', email: 'maija@example.fi' },
    line_items: [{ quantity: 2 }],
  });
  const signature = createHmac('sha256', secret).update(order).digest('base64');
  const path = new URL(hook).pathname;
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': signature },
    body: order,
  });
  expect(res.status === 200, `webhook refused: ${res.status} ${await res.text()}`);
  await page.goto(`${base}/settings/connections`);
  expect(await page.getByRole('cell', { name: '1', exact: true }).first().isVisible(), 'not counted as received');
});

await check("the customer is found and their story read", async () => {
  const answer = await api(`/api/v1/surveys/${survey}/responses`, {
    answers: [{ question: 'nps', value: 9 }, { question: 'why', value: 'Nopea toimitus, kiitos!' }], locale: 'fi', customer: 'maija@example.fi',
  });
  expect(answer.status === 201, `answer not stored: ${answer.status}`);
  await api('/api/v1/events', { customer: 'maija@example.fi', touchpoint: 'delivery', occurred_at: '2026-11-21T09:00:00Z', outcome: 'late', polarity: 'negative' });
  await page.goto(`${base}/customers`);
  await page.locator('#q').fill('maija');
  await page.locator('form[role="search"] button').click();
  await page.getByRole('link', { name: 'maija@example.fi' }).click();
  expect((await page.locator('h1').textContent()).includes('Maija Meikäläinen'), 'not the customer page');
  expect((await page.locator('.timeline li').count()) === 3, 'the order, the event and the answer');
  expect((await page.locator('.verdict h2').textContent()).includes('positive'), 'the NPS 9 decides');
});

await check('the journey is edited and the map shows the touchpoint', async () => {
  await page.goto(`${base}/settings/journey`);
  const row = page.locator('tr', { has: page.locator('input[type="hidden"][value="delivery"]') });
  await row.locator('select').selectOption('delivery');
  await row.locator('input[name^="tp_en_"]').fill('Parcel on time');
  await page.locator('form[action="/settings/journey"] button[type="submit"]').click();
  await page.waitForURL(/\/journey/);
  expect(await page.getByRole('heading', { name: 'Delivery' }).isVisible(), 'no delivery stage');
  expect(await page.getByRole('link', { name: 'Parcel on time' }).isVisible(), 'the touchpoint is not on its stage');
});

await check('the money page compares the figures without the few', async () => {
  await page.goto(`${base}/money`);
  await page.locator('input[name="compare"]').check();
  await page.locator('form[action="/money"] button').click();
  expect(await page.getByText('Without the few').first().isVisible(), 'no side-by-side figures');
  expect(await page.getByRole('heading', { name: 'Leaky bucket' }).isVisible(), 'no leaky bucket');
});

await check('the privacy page erases the customer after the id is typed twice', async () => {
  await page.goto(`${base}/settings/privacy`);
  await page.locator('#erase-customer').fill('maija@example.fi');
  await page.locator('#confirm').fill('maija@example.fi');
  await page.locator('form[action="/settings/privacy/erase"] button').click();
  expect((await page.locator('p.flash').textContent()).includes('erased'), 'no confirmation');
  await page.goto(`${base}/customers?q=maija`);
  expect((await page.locator('ul.plain li').textContent()).includes('No customer'), 'still found');
});

await finish(browser);
