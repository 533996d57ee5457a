/**
 * Our own JSON Schemas are read with JSON.parse, which keeps the last of two equal keys and drops
 * the first without a word: a schema once described `evidence.memory` twice, and half of it was
 * never checked. YAML's parser (a superset of JSON) refuses duplicate keys.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { packageRoot } from './json-schema.js';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsonFiles(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
}

describe('schemas/', () => {
  const files = jsonFiles(join(packageRoot(), 'schemas'));

  it('holds schema files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [f.slice(packageRoot().length + 1), f]))('%s has no duplicate key', (_, file) => {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    expect(doc.errors.map((e) => e.message)).toEqual([]);
  });

  it('the check finds a duplicate key', () => {
    expect(parseDocument('{ "a": { "memory": 1, "memory": 2 } }').errors[0]?.message).toMatch(/unique/);
  });
});
