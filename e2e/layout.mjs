// Layout and accessibility of every main page, on the demo company's data, as its owner: in Finnish, Swedish
// and English, on a laptop (1366×768) and a phone (390×844). A page fails when its body scrolls sideways
// (wide content must scroll inside its own box), when a text key is missing (debug builds show a missing
// Fluent key as ⟦key⟧), or when axe-core finds a serious or critical violation. Screenshots of every page go
// to SHOT_DIR for a person to look at. Without JavaScript in the page, as the UI needs none; axe runs as
// Playwright's evaluation script, which works either way.
// Usage: node e2e/layout.mjs BASE_URL EMAIL PASSWORD SHOT_DIR AXE_JS
import { mkdirSync, readFileSync } from 'node:fs';
import { check, expect, finish, launch } from './harness.mjs';

const [base, email, password, shots, axePath] = process.argv.slice(2);
const axeSource = readFileSync(axePath, 'utf8');
mkdirSync(shots, { recursive: true });

const pages = [
  '/', '/inbox', '/insights', '/journey', '/customers', '/customers/SIV-TARINA', '/money', '/money/loyal',
  '/cases', '/cases/follow-ups', '/improvements', '/praise', '/surveys', '/panel',
  '/settings/members', '/settings/tokens', '/settings/rules', '/settings/text', '/settings/notifications', '/settings/contact',
  '/settings/connections', '/settings/privacy', '/settings/audit', '/settings/journey', '/settings/organisation',
  '/account',
];
const viewports = [
  { name: 'laptop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
];

const browser = await launch();
for (const lang of ['fi', 'sv', 'en']) {
  // JavaScript stays on in the context only so that axe can run; the pages themselves ship none.
  const context = await browser.newContext({ locale: lang });
  const page = await context.newPage();
  await check(`${lang}: the owner signs in and picks the language`, async () => {
    await page.goto(`${base}/login?lang=${lang}`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.locator('details.account summary').click();
    await page.locator('#lang-select').selectOption(lang);
    await page.locator('form[action="/language"] button[type="submit"]').click();
    expect((await page.locator('html').getAttribute('lang')) === lang, `the page is not in ${lang}`);
  });
  // The Send tab of the demo's first survey.
  if (!pages.some((p) => p.endsWith('/send'))) {
    await page.goto(`${base}/surveys`);
    const href = await page.locator('table a[href^="/surveys/"]').first().getAttribute('href');
    pages.push(`${href}/send`);
  }
  for (const vp of viewports) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    for (const path of pages) {
      await check(`${lang} ${vp.name} ${path}`, async () => {
        const res = await page.goto(`${base}${path}`);
        expect(res.status() === 200, `status ${res.status()}`);
        const file = `${shots}/${lang}-${vp.name}${path.replaceAll('/', '_') || '_'}.png`;
        await page.screenshot({ path: file, fullPage: true });
        const { scroll, width, missing } = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          width: document.documentElement.clientWidth,
          missing: [...new Set(document.body.innerText.match(/⟦[^⟧]*⟧/g) || [])],
        }));
        expect(scroll <= width, `the page scrolls sideways: ${scroll} px wide in ${width} px (${file})`);
        expect(missing.length === 0, `missing text keys: ${missing.join(', ')}`);
        // Accessibility once per page and language, on the laptop (the same markup on the phone).
        if (vp.name === 'laptop') {
          await page.evaluate(axeSource);
          const found = await page.evaluate(async () => {
            const r = await window.axe.run(document, { resultTypes: ['violations'] });
            return r.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
          });
          expect(found.length === 0, `axe: ${found.join('; ')}`);
        }
      });
    }
  }
  await context.close();
}
await finish(browser);
