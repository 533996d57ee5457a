import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSnapshot } from './index.js';

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
    expect(readSnapshot(dir({ 'a.yaml': list, 'tidemark-snapshot.yaml': manifest(1) })).facts).toEqual({
      version: 'v1.34.4',
      metricsApiAvailable: true,
      installedKinds: ['keda.sh/ScaledObject'],
    });
    expect(() => readSnapshot(dir({ 'a.yaml': list, 'tidemark-snapshot.yaml': manifest(2) }))).toThrow(
      /lists 2 Deployment object\(s\) in a.yaml, found 1/,
    );
    expect(() =>
      readSnapshot(
        dir({
          'a.yaml': list,
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
});
