// Compresses the build's text assets once, at build time: next to each
// script, style sheet, SVG, JSON or text file of dist/assets of at least
// 1 KiB, NAME.br (brotli, quality 11) and NAME.gz (gzip, level 9) when both
// are smaller than the file. The server embeds them and sends the one the
// client accepts (embed.go), instead of compressing at every start.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json', '.txt']);
const assets = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');
let n = 0;
for (const name of readdirSync(assets)) {
  const file = join(assets, name);
  if (!COMPRESSIBLE.has(extname(name)) || !statSync(file).isFile()) continue;
  const raw = readFileSync(file);
  if (raw.length < 1024) continue;
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  if (br.length >= raw.length || gz.length >= raw.length) continue;
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gz);
  n++;
}
console.log(`precompressed ${n} assets (brotli and gzip)`);
