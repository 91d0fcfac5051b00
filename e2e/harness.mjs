// What every browser test shares: a headless Chromium (each test opens its pages without JavaScript, as the UI
// has none; layout.mjs turns it on only to run axe), a named check that records its outcome, and a summary
// that sets the exit code.
import { chromium } from 'playwright-core';

let passed = 0;
let failed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.message}`);
  }
}

export function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Flags for this machine's closed network: no background connections, no sandbox as root.
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export async function finish(browser) {
  await browser.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
