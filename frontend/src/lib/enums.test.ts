import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DICTS, LANGS } from '../i18n/dict';
import { API_SCHEMAS, LABELLED, type EnumName } from './enums';

const openapiDir = resolve(__dirname, '../../../internal/api/openapi');

/**
 * The enumeration of each component schema of the API description: the first
 * `enum:` under a schema named at four spaces of indentation, inline
 * (`enum: [a, b]`) or as a list (`- a`).
 */
function apiEnums(): Map<string, string[]> {
  const files = [
    join(openapiDir, 'openapi.yaml'),
    ...readdirSync(join(openapiDir, 'parts')).map((f) => join(openapiDir, 'parts', f)),
  ];
  const out = new Map<string, string[]>();
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let schema = '';
    for (let i = 0; i < lines.length; i++) {
      const name = /^ {4}([A-Za-z0-9]+):\s*$/.exec(lines[i]);
      if (name) {
        schema = name[1];
        continue;
      }
      const m = /^(\s+)enum:\s*(.*)$/.exec(lines[i]);
      if (!m || !schema || out.has(schema)) continue;
      const unquote = (s: string) => s.trim().replace(/^["']|["']$/g, '');
      if (m[2].startsWith('[')) {
        let text = m[2];
        while (!text.includes(']')) text += lines[++i];
        out.set(schema, text.slice(1, text.indexOf(']')).split(',').map(unquote).filter(Boolean));
      } else {
        const values: string[] = [];
        while (/^\s+- /.test(lines[i + 1] ?? '')) values.push(unquote(lines[++i].replace(/^\s+- /, '')));
        out.set(schema, values);
      }
    }
  }
  return out;
}

describe('enumerations', () => {
  it('label every value in every language', () => {
    const missing: string[] = [];
    for (const lang of LANGS) {
      const d = DICTS[lang] as Record<string, string>;
      for (const [name, values] of Object.entries(LABELLED)) {
        for (const v of values) if (!d[`${name}.${v}`]?.trim()) missing.push(`${lang} ${name}.${v}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('hold every value the API description lists', () => {
    const api = apiEnums();
    for (const [name, schema] of Object.entries(API_SCHEMAS) as [EnumName, string][]) {
      const values = api.get(schema);
      expect(values, schema).toBeDefined();
      expect(values!.length, schema).toBeGreaterThan(1);
      const ours = LABELLED[name] as readonly string[];
      expect(
        values!.filter((v) => !ours.includes(v)),
        `${schema} values without a label under ${name}`,
      ).toEqual([]);
    }
  });
});
