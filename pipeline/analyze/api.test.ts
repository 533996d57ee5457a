import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAnalyzers } from './api.js';
import { getValidator } from '../core/json-schema.js';
import { checkOwnership } from '../plan/merge.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('analyze/api (conformance)', () => {
  const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory());
  const analyzers = getAnalyzers();

  it('registers every analyzer folder, and nothing else', () => {
    expect(analyzers.map((a) => a.id).sort()).toEqual(folders.sort());
  });

  it.each(folders)('%s has the common shape: manifest, README, valid default args, ownership', (folder) => {
    const a = analyzers.find((x) => x.id === folder)!;
    expect(a).toBeDefined();
    for (const f of ['index.ts', 'analyze.ts', 'args.ts', 'README.md'])
      expect(existsSync(join(here, folder, f))).toBe(true);
    expect(typeof a.analyze).toBe('function');
    expect(a.description.length).toBeGreaterThan(10);
    expect(getValidator(a.argsSchema)(a.defaults)).toBe(true);
    expect(a.owns.length).toBeGreaterThan(0);
  });

  it('gives every field exactly one owning analyzer', () => {
    expect(() => checkOwnership(analyzers)).not.toThrow();
  });
});
