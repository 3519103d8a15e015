// The browser scenarios. Each returns nothing or throws; run() collects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as pw } from 'playwright-core';

const PASSWORD = 'jardam-demo-2025';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// A name that must never appear in a URL, the title, storage or the console.
const MARKER_FAMILY = `Markerova${Math.random().toString(36).slice(2, 8)}`;
const MARKER_GIVEN = 'Aizhan';
const UUID_PATH = /^\/cases\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function withBrowser(chromium, fn) {
  const dir = mkdtempSync(join(tmpdir(), 'jardam-chromium-'));
  const ctx = await pw.launchPersistentContext(dir, {
    executablePath: chromium, headless: true, args: ARGS, locale: 'ru-RU', viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Bishkek',
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(10_000);
  const watch = { urls: [], console: [], cspViolations: [], tokens: [] };
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) watch.urls.push(f.url()); });
  page.on('request', (r) => watch.urls.push(r.url()));
  page.on('console', (m) => { watch.console.push(m.text()); if (/Content Security Policy/i.test(m.text())) watch.cspViolations.push(m.text()); });
  page.on('pageerror', (e) => watch.console.push(`pageerror: ${e.message}`));
  page.on('response', async (r) => {
    if (r.url().endsWith('/api/v1/auth/login') || r.url().endsWith('/api/v1/auth/refresh')) {
      try { const b = await r.json(); if (b.access_token) watch.tokens.push(b.access_token); } catch { /* no body */ }
    }
  });
  try {
    await fn(page, watch, ctx);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function signIn(page, base, email) {
  await page.goto(`${base}/`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('nav[aria-label] a').first().waitFor();
}

async function storageDump(page) {
  return page.evaluate(() => {
    const dump = (s) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`).join('\n');
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie, title: document.title };
  });
}

async function checkNoLeaks(page, watch, secrets) {
  const s = await storageDump(page);
  for (const secret of secrets) {
    assert(!watch.urls.some((u) => u.includes(secret)), `a URL contains "${secret}"`);
    assert(!s.local.includes(secret) && !s.session.includes(secret), `browser storage contains "${secret}"`);
    assert(!s.title.includes(secret), `the title contains "${secret}"`);
    assert(!watch.console.some((m) => m.includes(secret)), `the console contains "${secret}"`);
  }
  for (const tok of watch.tokens) {
    assert(!s.local.includes(tok) && !s.session.includes(tok) && !s.cookie.includes(tok), 'a token is in script-readable storage');
  }
  assert(!s.cookie.includes('jardam_refresh'), 'the refresh cookie is readable by scripts');
  assert(watch.cspViolations.length === 0, `CSP violations: ${watch.cspViolations.join(' | ')}`);
}

async function call(base, token, method, path, body) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(method === 'POST' ? { 'Idempotency-Key': crypto.randomUUID() } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** A referral from SEZIM to MLSSM's social department, under a consent. */
async function referToSocial(base) {
  const { access_token: token } = await call(base, null, 'POST', '/auth/login', { email: 'caseworker@sezim.kg', password: PASSWORD });
  const orgs = await call(base, token, 'GET', '/organizations?limit=200');
  const social = (orgs.items ?? orgs).find((o) => o.code === 'MLSSM-SOC');
  if (!social) throw new Error('no MLSSM-SOC organization');
  const cases = await call(base, token, 'GET', '/cases?status=open&limit=5');
  const c = cases.items[0];
  const consent = await call(base, token, 'POST', `/cases/${c.id}/consents`, {
    purpose: 'data_sharing', recipient_organization_id: social.id, categories: ['assistance_history'], given_by: 'person',
  });
  const ref = await call(base, token, 'POST', `/cases/${c.id}/referrals`, {
    to_organization_id: social.id, consent_id: consent.id, assistance_types: ['psychological'], categories: ['assistance_history'], urgency: 'urgent',
  });
  await call(base, token, 'POST', '/auth/logout', { refresh_token: undefined });
  return ref;
}

export async function scenarios({ base, chromium, results, log }) {
  const failures = [];
  const step = async (name, fn) => {
    const t0 = Date.now();
    try { await fn(); log(`✓ ${name} (${Date.now() - t0} ms)`); } catch (e) { failures.push({ name, error: e.message.split('\n')[0] }); log(`✗ ${name}: ${e.message}`); }
  };

  await step('caseworker: cases, case page, new case, no leaks, Kyrgyz', () => withBrowser(chromium, async (page, watch) => {
    await signIn(page, base, 'caseworker@sezim.kg');
    assert(new URL(page.url()).pathname === '/cases', `after sign-in the app is at ${page.url()}`);
    const rows = page.locator('[data-testid=case-table] tbody tr');
    await rows.first().waitFor();
    assert((await rows.count()) >= 5, 'the case list shows fewer than 5 cases');
    await page.locator('h1', { hasText: 'Мои дела' }).waitFor();
    await page.screenshot({ path: join(results, 'cases.png'), fullPage: false });
    log('screenshot e2e-results/cases.png');

    // Filter by stage: every row shows that stage's badge.
    await page.locator('fieldset.filters select').first().selectOption('shelter');
    await page.waitForResponse((r) => r.url().includes('/api/v1/cases?') && r.url().includes('stage=shelter'));
    await page.waitForTimeout(100);
    const badges = await page.locator('[data-testid=case-table] tbody tr .badge.stage-shelter').count();
    const total = await page.locator('[data-testid=case-table] tbody tr').count();
    assert(total === 0 || badges === total, 'the stage filter shows other stages');
    await page.locator('fieldset.filters select').first().selectOption('');
    await page.waitForResponse((r) => r.url().includes('/api/v1/cases?'));

    // Open a case: addressed by id only.
    await rows.first().locator('a').click();
    await page.waitForURL((u) => UUID_PATH.test(new URL(u).pathname));
    await page.locator('h2', { hasText: 'Этапы' }).waitFor();
    await page.locator('h2', { hasText: 'Личные данные' }).waitFor();
    await page.locator('.timeline li').first().waitFor();

    // New case: the duplicate check runs before creating.
    await page.locator('nav a[href="/cases/new"]').click();
    await page.locator('[data-testid=new-case]').waitFor();
    const create = page.locator('[data-testid=new-case] button[type=submit]');
    assert(await create.isDisabled(), 'creating is possible before the duplicate check');
    const autocompletes = await page.locator('[data-testid=new-case] input').evaluateAll((els) => els.map((e) => e.getAttribute('autocomplete')));
    assert(autocompletes.every((a) => a === 'off'), 'an identity input lacks autocomplete="off"');
    await page.locator('input[name=family_name]').fill(MARKER_FAMILY);
    await page.locator('input[name=given_name]').fill(MARKER_GIVEN);
    await page.locator('input[name=birth_date]').fill('1999-04-01');
    const dup = page.waitForResponse((r) => r.url().endsWith('/api/v1/cases/duplicates') && r.request().method() === 'POST');
    await page.locator('[data-testid=new-case] button[type=button]').click();
    assert((await dup).status() === 200, 'the duplicate check failed');
    await page.locator('[data-testid=dup-result]').waitFor();
    const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/cases') && r.request().method() === 'POST');
    await create.click();
    const res = await made;
    assert(res.status() === 201, `creating answered ${res.status()}`);
    assert(!!res.request().headers()['idempotency-key'], 'the create request has no Idempotency-Key');
    await page.waitForURL((u) => UUID_PATH.test(new URL(u).pathname));
    await page.locator('dd', { hasText: MARKER_FAMILY }).waitFor();

    // Search by name travels in the body only.
    await page.locator('nav a[href="/cases"]').click();
    await page.locator('form[role=search] input').nth(1).fill(MARKER_FAMILY);
    const search = page.waitForResponse((r) => r.url().endsWith('/api/v1/cases/search'));
    await page.locator('form[role=search] button[type=submit]').click();
    assert((await search).status() === 200, 'the search failed');
    await page.locator('h2', { hasText: 'Результаты поиска' }).waitFor();

    await checkNoLeaks(page, watch, [MARKER_FAMILY, MARKER_GIVEN]);

    // A reload keeps the session through the httpOnly refresh cookie only.
    await page.reload();
    await page.locator('nav[aria-label] a').first().waitFor();

    // Kyrgyz.
    await page.locator('[data-testid=lang]').selectOption('ky');
    await page.locator('nav a', { hasText: 'Менин иштерим' }).waitFor();
    await page.locator('h1', { hasText: 'Менин иштерим' }).waitFor();
    assert((await page.getAttribute('html', 'lang')) === 'ky', 'html lang is not ky');
    await page.screenshot({ path: join(results, 'cases-ky.png') });
    await checkNoLeaks(page, watch, [MARKER_FAMILY, MARKER_GIVEN]);

    // Sign out ends the session: a reload shows the sign-in form.
    await page.locator('.userbox button').click();
    await page.locator('input[name=email]').waitFor();
    await page.reload();
    await page.locator('input[name=email]').waitFor();
  }));

  await step('setup: a referral to the social department (API)', async () => { await referToSocial(base); });
  await step('social worker: referral inbox, accept', () => withBrowser(chromium, async (page, watch) => {
    await signIn(page, base, 'social@mlsp.gov.kg');
    await page.locator('nav a[href="/referrals"]').click();
    await page.waitForURL((u) => new URL(u).pathname === '/referrals');
    await page.locator('h1', { hasText: 'Направления' }).waitFor();
    const item = page.locator('[data-testid=referrals-incoming] li', { hasText: 'Ожидает ответа' }).first();
    await item.waitFor();
    await item.locator('.badge.urgency-urgent').waitFor();
    await page.screenshot({ path: join(results, 'referrals.png') });
    const accepted = page.waitForResponse((r) => /\/api\/v1\/referrals\/[^/]+\/accept$/.test(r.url()));
    await item.locator('button', { hasText: 'Принять' }).click();
    assert((await accepted).status() === 200, 'accepting failed');
    await page.locator('[data-testid=referrals-incoming] li .badge', { hasText: 'Принято' }).first().waitFor();
    await page.locator('nav a[href="/notifications"]').click();
    await page.locator('h1', { hasText: 'Уведомления' }).waitFor();
    await checkNoLeaks(page, watch, []);
  }));

  return failures;
}
