/* global window */
// The main thread's blocking time of a screen of a running server, as a
// browser sees it: signs in, then loads the route afresh (browser cache
// cleared) several times and sums, for each load, the part over 50 ms of
// every long task (the Long Tasks API) until the page is quiet. Prints each
// load and the median. The app speaks Russian; the browser's own locale is
// en-US.
//
//   node scripts/blocking-time.mjs http://127.0.0.1:8080 /cases [loads=5]
//   CPU_SLOWDOWN=4 WIDTH=412 node scripts/blocking-time.mjs ...   (Lighthouse's mobile slowdown and width)
//
// EMAIL and PASSWORD choose the account (the demo caseworker by default).
import { chromium } from 'playwright-core';

const [base, route = '/cases', loads = '5'] = process.argv.slice(2);
if (!base) throw new Error('usage: node scripts/blocking-time.mjs BASE_URL [ROUTE] [LOADS]');
const email = process.env.EMAIL || 'caseworker@sezim.kg';
const password = process.env.PASSWORD || 'jardam-demo-2025';
const slowdown = Number(process.env.CPU_SLOWDOWN || 1);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox'],
});
try {
  const ctx = await browser.newContext({
    locale: 'en-US',
    viewport: { width: Number(process.env.WIDTH || 1350), height: 940 },
  });
  await ctx.addInitScript(() => {
    localStorage.setItem('jardam.lang', 'ru');
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('nav[aria-label] a').first().waitFor({ state: 'attached' });
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  const totals = [];
  for (let i = 0; i < Number(loads); i++) {
    await page.goto('about:blank');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
    await page.goto(`${base}${route}`, { waitUntil: 'networkidle' });
    await page.waitForTimeout(1500);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    const tasks = await page.evaluate(() => window.__longTasks);
    const blocking = Math.round(tasks.reduce((s, d) => s + Math.max(0, d - 50), 0));
    totals.push(blocking);
    console.log(`load ${i + 1}: ${blocking} ms blocking, long tasks ${tasks.map((d) => Math.round(d)).join(' ')}`);
  }
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(
    `${route}: median blocking time ${sorted[Math.floor(sorted.length / 2)]} ms over ${loads} loads (CPU slowdown ${slowdown}x)`,
  );
} finally {
  await browser.close();
}
