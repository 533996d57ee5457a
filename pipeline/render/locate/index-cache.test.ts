import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentSha, INDEX_CACHE_FILE, openIndexCache, type CachedDoc } from './index-cache.js';
import { RepoIndex } from './repo-index.js';
import { createMemoryLogger } from '../../core/logger.js';

const web: CachedDoc = [0, 'apps/v1', 'Deployment', 'web', 'shop'];

describe('render/locate/index-cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-idx-'));
  });

  it('answers for the same content only, and keeps only the files this run used', () => {
    const a = openIndexCache(dir);
    a.set('a.yaml', 'sha-a', [web]);
    a.set('gone.yaml', 'sha-g', [web]);
    a.save();
    const b = openIndexCache(dir);
    expect(b.get('a.yaml', 'sha-a')).toEqual([web]);
    expect(b.get('a.yaml', 'sha-other')).toBeUndefined();
    expect(b.get('constructor', 'x')).toBeUndefined();
    b.save();
    const c = openIndexCache(dir);
    expect(c.get('a.yaml', 'sha-a')).toEqual([web]);
    expect(c.get('gone.yaml', 'sha-g')).toBeUndefined();
    // Written by rename: no temporary file is left.
    expect(readdirSync(dir)).toEqual([INDEX_CACHE_FILE]);
  });

  it('starts afresh from a cache of another format version or parser', () => {
    const file = join(dir, INDEX_CACHE_FILE);
    for (const change of [{ version: 99 }, { parser: '0.0.1' }]) {
      const a = openIndexCache(dir);
      a.set('a.yaml', 'sha-a', [web]);
      a.save();
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...change }));
      expect(openIndexCache(dir).get('a.yaml', 'sha-a')).toBeUndefined();
    }
  });

  it('leaves a file of that name it did not write alone, and does without it', () => {
    const file = join(dir, INDEX_CACHE_FILE);
    writeFileSync(file, '{"notes": "mine"}\n');
    const logger = createMemoryLogger();
    const c = openIndexCache(dir, logger);
    c.set('a.yaml', 'sha-a', [web]);
    c.save();
    expect(readFileSync(file, 'utf8')).toBe('{"notes": "mine"}\n');
    expect(logger.records().map((l) => l.msg)).toEqual([
      'repository index cache: the file is not ours, left as it is and not used',
    ]);
  });

  it('gives the repository index the cached documents, their data read from the file when asked', () => {
    const repo = mkdtempSync(join(tmpdir(), 'tm-idx-repo-'));
    const text =
      '# shop\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n';
    writeFileSync(join(repo, 'a.yaml'), text);
    const cold = openIndexCache(dir);
    const parsed = new RepoIndex(repo, cold).docs('a.yaml');
    cold.save();
    const warm = openIndexCache(dir);
    expect(warm.get('a.yaml', contentSha(text))).toEqual([web]);
    const fromCache = new RepoIndex(repo, openIndexCache(dir)).docs('a.yaml');
    expect(fromCache).toEqual(parsed);
    expect(JSON.parse(JSON.stringify(fromCache))).toEqual([
      {
        file: 'a.yaml',
        index: 0,
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        namespace: 'shop',
        data: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { replicas: 2 },
        },
      },
    ]);
    // A spread copies the data, as it does of a parsed document.
    expect({ ...(fromCache as { data: unknown }[])[0]! }.data).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas: 2 },
    });
  });
});
