/**
 * deploy/rbac's ClusterRole grants `list` on exactly the inventory's kinds (kinds.ts) — Argo CD
 * Applications, Flux Kustomizations and HelmReleases included — and nothing else: no other verb,
 * no other resource, ConfigMaps only by name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../core/json-schema.js';
import { INVENTORY } from './kinds.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

describe('collect/kubernetes/rbac', () => {
  const role = parseAllDocuments(
    readFileSync(join(packageRoot(), 'deploy', 'rbac', 'clusterrole.yaml'), 'utf8'),
  )
    .map((d) => d.toJS() as { kind: string; rules: Rule[] })
    .find((d) => d.kind === 'ClusterRole')!;

  it('lists exactly the inventory, with list only', () => {
    const granted = role.rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)),
    );
    const wanted = INVENTORY.map((k) => `${k.group}/${k.resource}`);
    expect([...new Set(granted)].sort()).toEqual([...new Set(wanted)].sort());
    expect(role.rules.every((r) => r.verbs.length === 1 && r.verbs[0] === 'list')).toBe(true);
    for (const k of INVENTORY.filter((x) => x.only)) {
      const rule = role.rules.find((r) => r.resources.includes(k.resource));
      expect(rule?.resourceNames).toEqual([k.only!.name]);
    }
  });

  it('reads the GitOps engines the layouts follow: Argo CD Applications, Flux Kustomizations and HelmReleases', () => {
    for (const r of [
      'argoproj.io/applications',
      'kustomize.toolkit.fluxcd.io/kustomizations',
      'helm.toolkit.fluxcd.io/helmreleases',
    ])
      expect(INVENTORY.map((k) => `${k.group}/${k.resource}`)).toContain(r);
  });
});
