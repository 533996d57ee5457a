/**
 * renderChanges on a multi-document file holding several workloads: all edits land in one pass,
 * and a workload whose edit is refused (its document goes through a shared anchor) is skipped
 * with the reason while the others are still edited.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChanges } from './index.js';
import { modelOf, deploymentWithPods, container } from '../testing/model-fixtures.js';
import { silentLogger } from '../core/logger.js';
import type { WorkloadChange } from '../plan/types.js';
import { INDEX_CACHE_FILE, openIndexCache, type IndexCache } from './locate/index-cache.js';

const doc = (name: string, cpu: string, extra = ''): string =>
  [
    '---',
    `# ${name}: owned by team ${name}`,
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    '  namespace: shop',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: registry.example.com/app:1.0',
    `          resources:${extra}`,
    '            requests:',
    `              cpu: ${cpu}  # tuned by hand in 2024`,
    '',
  ].join('\n');

function change(name: string, from: string, to: string): WorkloadChange {
  return {
    cluster: 'demo',
    workload: `Deployment/shop/${name}`,
    recommendations: [],
    objects: [],
    fields: [
      {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name },
        path: ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'resources', 'requests', 'cpu'],
        current: from,
        proposed: to,
        analyzer: 'rightsize',
        recommendation: `r-${name}`,
      },
    ],
  } as unknown as WorkloadChange;
}

describe('render/renderChanges', () => {
  it('edits every workload of a multi-document file in one pass, and skips only the one it cannot edit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tidemark-render-'));
    mkdirSync(join(root, 'clusters', 'demo'), { recursive: true });
    // `cart` reaches its cpu through an anchor another key of its document aliases: never edited.
    const text =
      doc('web', '500m') +
      doc('api', '400m') +
      doc('cart', '300m', ' &shared') +
      'x-copied-resources: *shared\n';
    writeFileSync(join(root, 'clusters', 'demo', 'shop.yaml'), text);
    const objects = ['web', 'api', 'cart'].flatMap((n, i) =>
      deploymentWithPods(n, 'shop', { containers: [container({ cpu: ['500m', '400m', '300m'][i] })] }),
    );
    const model = modelOf(objects);
    const result = await renderChanges({
      repoDir: root,
      repo: { path: root, root: 'clusters/demo' },
      cluster: 'demo',
      model,
      changes: [change('web', '500m', '250m'), change('api', '400m', '300m'), change('cart', '300m', '200m')],
      logger: silentLogger,
    });
    expect(result.edits).toHaveLength(1);
    const after = result.edits[0]!.after;
    expect(after).toContain('cpu: 250m  # tuned by hand in 2024');
    expect(after).toContain('cpu: 300m  # tuned by hand in 2024');
    expect(after.match(/cpu: 300m/g)).toHaveLength(2); // api's new value, cart's old one
    // Only the two changed lines differ.
    const a = text.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    expect(a.filter((line, i) => line !== b[i])).toHaveLength(2);
    expect([...result.rendered.keys()].sort()).toEqual(['Deployment/shop/api', 'Deployment/shop/web']);
    expect(result.skipped).toEqual([
      expect.objectContaining({ workload: 'Deployment/shop/cart', reason: 'render-refused' }),
    ]);
    expect(result.skipped[0]!.detail).toMatch(/anchor &shared/);
  });

  it('renders the same with the index cache, cold and warm, with a file whose workloads are not together', async () => {
    const setup = (): { root: string; run: (cache?: IndexCache) => ReturnType<typeof renderChanges> } => {
      const root = mkdtempSync(join(tmpdir(), 'tidemark-render-'));
      mkdirSync(join(root, 'clusters', 'demo'), { recursive: true });
      writeFileSync(join(root, 'clusters', 'demo', 'a.yaml'), doc('web', '500m') + doc('cart', '300m'));
      writeFileSync(join(root, 'clusters', 'demo', 'b.yaml'), doc('api', '400m'));
      const objects = ['web', 'api', 'cart'].flatMap((n, i) =>
        deploymentWithPods(n, 'shop', { containers: [container({ cpu: ['500m', '400m', '300m'][i] })] }),
      );
      const model = modelOf(objects);
      return {
        root,
        run: (cache) =>
          renderChanges({
            repoDir: root,
            repo: { path: root, root: 'clusters/demo' },
            cluster: 'demo',
            model,
            // a.yaml, then b.yaml, then a.yaml again: a.yaml's first edits go in before b.yaml's.
            changes: [
              change('web', '500m', '250m'),
              change('api', '400m', '300m'),
              change('cart', '300m', '200m'),
            ],
            logger: silentLogger,
            ...(cache ? { indexCache: cache } : {}),
          }),
      };
    };
    const plain = await setup().run();
    expect(plain.edits.map((e) => e.path)).toEqual(['clusters/demo/a.yaml', 'clusters/demo/b.yaml']);
    expect(plain.edits[0]!.after).toBe(doc('web', '250m') + doc('cart', '200m'));
    expect(plain.skipped).toEqual([]);

    const { root, run } = setup();
    const state = join(root, 'state');
    // Counts the files the cache answered.
    const counted = (): { cache: IndexCache; hits: () => number } => {
      const cache = openIndexCache(state);
      let hits = 0;
      const get = cache.get.bind(cache);
      cache.get = (rel, sha) => {
        const hit = get(rel, sha);
        if (hit) hits++;
        return hit;
      };
      return { cache, hits: () => hits };
    };
    const first = counted();
    const cold = await run(first.cache);
    first.cache.save();
    expect(first.hits()).toBe(0);
    const saved = JSON.parse(readFileSync(join(state, INDEX_CACHE_FILE), 'utf8')) as {
      files: Record<string, { docs: unknown[] }>;
    };
    expect(saved.files['clusters/demo/a.yaml']!.docs).toEqual([
      [0, 'apps/v1', 'Deployment', 'web', 'shop'],
      [1, 'apps/v1', 'Deployment', 'cart', 'shop'],
    ]);
    const strip = (r: Awaited<ReturnType<typeof renderChanges>>): unknown => ({
      edits: r.edits,
      skipped: r.skipped,
      rendered: [...r.rendered],
    });
    expect(strip(cold)).toEqual(strip(plain));
    const second = counted();
    const warm = await run(second.cache);
    expect(second.hits()).toBe(2);
    expect(strip(warm)).toEqual(strip(plain));
    // A file changed since: its entry no longer answers, and it is read again.
    writeFileSync(
      join(root, 'clusters', 'demo', 'b.yaml'),
      doc('api', '400m').replace('# api', '# api, moved'),
    );
    const third = counted();
    const after = await run(third.cache);
    expect(third.hits()).toBe(1);
    expect(after.edits.map((e) => e.path)).toEqual(['clusters/demo/a.yaml', 'clusters/demo/b.yaml']);
  });
});
