// Prints the initial JavaScript of the build (the entry script and the
// chunks index.html preloads), gzipped, and fails above the 250 KB budget.
// The screens loaded on demand are listed apart.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 250 * 1024;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
if (initial.length === 0) throw new Error('no script in dist/index.html');
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
for (const f of initial) {
  const n = gz(f);
  total += n;
  console.log(`initial  ${f}  ${kb(n)} gzipped`);
}
for (const f of readdirSync(join(dist, 'assets')).filter(
  (x) => x.endsWith('.js') && !initial.includes(`assets/${x}`),
)) {
  console.log(`on demand assets/${f}  ${kb(gz(`assets/${f}`))} gzipped`);
}
console.log(`initial JavaScript: ${kb(total)} gzipped (budget ${kb(BUDGET)})`);
if (total > BUDGET) {
  console.error('over the budget');
  process.exit(1);
}
