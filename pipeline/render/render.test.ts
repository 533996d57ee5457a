/**
 * renderChanges on a multi-document file holding several workloads: all edits land in one pass,
 * and a workload whose edit is refused (its document goes through a shared anchor) is skipped
 * with the reason while the others are still edited.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChanges } from './index.js';
import { modelOf, deploymentWithPods, container } from '../testing/model-fixtures.js';
import { silentLogger } from '../core/logger.js';
import type { WorkloadChange } from '../plan/types.js';

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
});
