import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSnapshotSource, readSnapshot } from './index.js';
import { createMemoryLogger } from '../../core/logger.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'snap-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), content);
  }
  return d;
}

const list = `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop}
`;
const pods = `apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f8c6b5-abcde
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f8c6b5, controller: true}]
`;

describe('collect/snapshot', () => {
  it('reads kubectl Lists, multi-document YAML and JSON, recursively', () => {
    const d = dir({
      'a.yaml': list,
      'sub/b.yml':
        'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n# only a comment\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\n',
      'c.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'PodList',
        items: [{ metadata: { name: 'p', namespace: 'shop' } }],
      }),
      'README.md': 'ignored',
    });
    const inv = readSnapshot(d);
    expect(inv.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/web',
      'Namespace/shop',
      'Node/n1',
      'Node/n2',
      'Pod/p',
    ]);
    expect(inv.origins?.get(inv.objects.find((o) => o.kind === 'Pod')!)?.file).toBe('c.json');
  });

  it('reads cluster facts from the manifest and checks its counts', () => {
    const manifest = (count: number): string =>
      `apiVersion: tidemark.io/v1alpha1\nkind: ClusterSnapshot\nformatVersion: 1\ncluster: {version: v1.34.4, metricsApiAvailable: true, installedKinds: [keda.sh/ScaledObject]}\nfiles:\n- {file: a.yaml, apiVersion: apps/v1, kind: Deployment, count: ${count}}\n`;
    expect(
      readSnapshot(dir({ 'a.yaml': list, 'p.yaml': pods, 'tidemark-snapshot.yaml': manifest(1) })).facts,
    ).toEqual({
      version: 'v1.34.4',
      metricsApiAvailable: true,
      installedKinds: ['keda.sh/ScaledObject'],
    });
    expect(() =>
      readSnapshot(dir({ 'a.yaml': list, 'p.yaml': pods, 'tidemark-snapshot.yaml': manifest(2) })),
    ).toThrow(/lists 2 Deployment object\(s\) in a.yaml, found 1/);
    expect(() =>
      readSnapshot(
        dir({
          'a.yaml': list,
          'p.yaml': pods,
          'tidemark-snapshot.yaml': manifest(1).replace('formatVersion: 1', 'formatVersion: 7'),
        }),
      ),
    ).toThrow(/format version 7 is not supported/);
  });

  it('names the file, document and field of bad input', () => {
    expect(() => readSnapshot('/nonexistent/snap')).toThrow(/snapshot directory does not exist/);
    expect(() => readSnapshot(dir({ 'x.txt': 'not yaml' }))).toThrow(/holds no Kubernetes objects/);
    expect(() => readSnapshot(dir({ 'bad.yaml': 'kind: Pod\nmetadata: {name: [\n' }))).toThrow(
      /bad\.yaml: document 1: malformed YAML at line/,
    );
    expect(() => readSnapshot(dir({ 'k.yaml': 'apiVersion: v1\nmetadata: {name: x}\n' }))).toThrow(
      /k\.yaml: document 1: kind: object has no kind/,
    );
    expect(() =>
      readSnapshot(dir({ 'n.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {namespace: a}\n' })),
    ).toThrow(/n\.yaml: Pod \(document 1\): metadata\.name: object has no metadata\.name/);
  });

  it('refuses a snapshot whose workloads have no Pods, naming the folder and the missing kinds', () => {
    const d = dir({ 'a.yaml': list });
    expect(() => readSnapshot(d)).toThrow(
      `${d}: missing kinds: Pod, ReplicaSet: the snapshot holds Deployment objects but no Pod or ReplicaSet objects: usage cannot be attributed to workloads without their pods; add them (kubectl get pods,replicasets -A -o yaml) or take the snapshot with \`tidemark snapshot\``,
    );
    // Nodes and namespaces alone (no workloads) are not an error: there is nothing to attribute.
    expect(() =>
      readSnapshot(dir({ 'n.yaml': 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n' })),
    ).not.toThrow();
  });

  it('warns once, naming ReplicaSet, when Deployments come without ReplicaSets', async () => {
    const logger = createMemoryLogger('info');
    const d = dir({ 'a.yaml': list, 'p.yaml': pods });
    await createSnapshotSource(d).read({ logger });
    const warnings = logger.lines
      .filter((l) => l.includes('"level":"warn"'))
      .map((l) => JSON.parse(l) as object);
    expect(warnings).toEqual([
      expect.objectContaining({
        snapshot: d,
        missingKinds: ['ReplicaSet'],
        msg: expect.stringMatching(/no ReplicaSets/),
      }),
    ]);
  });
});
