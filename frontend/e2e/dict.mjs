// Loads the app's dictionaries (src/i18n/dict.ts and the en, ru and ky files it joins, with the
// casework strings they take in) into Node by
// transpiling them with TypeScript, so the browser checks know every string.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'i18n');

export async function loadDicts() {
  const dir = mkdtempSync(join(tmpdir(), 'jardam-dict-'));
  try {
    for (const name of ['dict', 'en', 'ru', 'ky', 'casework.en', 'casework.ru', 'casework.ky']) {
      const out = ts
        .transpileModule(readFileSync(join(src, `${name}.ts`), 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
        })
        .outputText.replace(/from '\.\/((?:casework\.)?(?:en|ru|ky))'/g, "from './$1.mjs'");
      writeFileSync(join(dir, `${name}.mjs`), out);
    }
    const m = await import(pathToFileURL(join(dir, 'dict.mjs')).href);
    return { DICTS: m.DICTS, KY_SAME_AS_RU: m.KY_SAME_AS_RU };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
