// End-to-end tests against the real server: builds (or takes JARDAM_BIN) the
// binary, creates a fresh database through TEST_DATABASE_URL (a superuser
// URL), migrates, seeds the demo data, serves on a free port, drives Debian's
// Chromium with playwright-core, then stops the server and drops the database.
// Screenshots, the axe summary and the server log go to e2e/artifacts/.
//
//   JARDAM_BIN=bin/jardam TEST_DATABASE_URL=postgres://... npm run e2e
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarios } from './scenarios.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, '..');
const repo = resolve(frontend, '..');
const results = join(here, 'artifacts');
mkdirSync(results, { recursive: true });
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const started = Date.now();
let cleanup = async () => {};
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

function run(cmd, args, env, opts = {}) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stdout || '').slice(-2000)}\n${(r.stderr || '').slice(-4000)}`,
    );
  }
  return r.stdout;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function withUserAndDb(url, user, db, password) {
  const u = new URL(url);
  u.username = user;
  u.password = password ?? '';
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Waits until the statistical releases the coordinator's screens read are
 * computed (a server computes them ahead of readers; a fresh one is doing
 * so now): the 24-month series reach into the year before last.
 */
async function warmStatistics(base) {
  const started = Date.now();
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'coordinator@mlsp.gov.kg', password: 'jardam-demo-2025' }),
  });
  const { access_token: token } = await login.json();
  // The server closes a request after its write timeout while the
  // computation goes on: ask again until the answer comes.
  const until = Date.now() + 900_000;
  for (;;) {
    const r = await fetch(`${base}/api/v1/stats/series/persons_identified`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(50_000),
    }).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > until) throw new Error(`statistics warm-up: ${r ? r.status : 'no answer'}`);
    await new Promise((res) => setTimeout(res, 3_000));
  }
  console.log(`[e2e] statistics computed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function waitReady(base, server, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not become ready');
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const superURL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable';
  const tmp = mkdtempSync(join(tmpdir(), 'jardam-e2e-'));
  let bin = process.env.JARDAM_BIN;
  if (!bin) {
    log('building the web app and the binary');
    run('npm', ['run', 'build'], {}, { cwd: frontend });
    bin = join(tmp, 'jardam');
    run(
      'go',
      ['build', '-o', bin, './cmd/jardam'],
      { GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'go1.27.3', CGO_ENABLED: '0' },
      { cwd: repo },
    );
  }
  bin = resolve(bin);

  const dbName = `jardam_e2e_${randomBytes(6).toString('hex')}`;
  const superPassword = new URL(superURL).password || undefined;
  const keys = join(tmp, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    BOOTSTRAP_DATABASE_URL: superURL,
    MIGRATION_DATABASE_URL: withUserAndDb(superURL, 'jardam_owner', dbName, superPassword),
    DATABASE_URL: withUserAndDb(superURL, 'jardam_app', dbName, superPassword),
    JARDAM_KEYS_DIR: keys,
    JARDAM_LISTEN: `127.0.0.1:${port}`,
    JARDAM_ENV: 'development',
  };

  let server = null;
  let created = false;
  cleanup = async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          server.kill('SIGKILL');
          r();
        }, 10_000);
        server.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    if (created) {
      const r = spawnSync(
        'psql',
        [superURL, '-v', 'ON_ERROR_STOP=1', '-qc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) console.error(`could not drop ${dbName}: ${r.stderr}`);
    }
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    log(`database ${dbName}`);
    created = true;
    run(bin, ['migrate', '--bootstrap'], env);
    run(bin, ['keys', 'init', '--dir', keys], env);
    run(bin, ['migrate'], env);
    log('seeding demo data');
    run(bin, ['seed', 'demo', '--if-empty'], env);
    const serverLog = join(results, 'server.log');
    // Each run starts with an empty artifacts directory.
    for (const f of readdirSync(results)) if (f.endsWith('.png') || f.endsWith('.json')) rmSync(join(results, f));
    const out = openSync(serverLog, 'w');
    server = spawn(bin, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    await waitReady(base, server, 30_000);
    log(`serving on ${base}`);
    await warmStatistics(base);

    const failures = await scenarios({ base, chromium: CHROMIUM, results, log });
    if (failures.length > 0) {
      console.error(`\n${failures.length} scenario(s) failed:`);
      for (const f of failures) console.error(`  ✗ ${f.name}: ${f.error}`);
      console.error(`server log tail:\n${readFileSync(serverLog, 'utf8').split('\n').slice(-30).join('\n')}`);
      process.exitCode = 1;
    } else {
      log('all scenarios passed');
    }
  } finally {
    await cleanup();
    log('done');
  }
}

const guard = setTimeout(() => {
  console.error('e2e: over the 1800 s budget');
  void cleanup().finally(() => process.exit(1));
}, 1_800_000);
guard.unref();
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
