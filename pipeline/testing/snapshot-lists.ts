/**
 * The snapshot folder the offline source reads, as the generated beds (bench:scale, the fleet bed)
 * write it: one `List` per kind, and the same 16-core node for every node name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SnapshotLists {
  deployments: object[];
  replicasets: object[];
  pods: object[];
  nodes: object[];
}

/** A 16-core, 64Gi node with room for 110 pods. */
export function bedNode(name: string, uid: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid, labels: { 'kubernetes.io/hostname': name } },
    status: {
      allocatable: { cpu: '16', memory: '64Gi', pods: '110' },
      capacity: { cpu: '16', memory: '64Gi', pods: '110' },
    },
  };
}

export function writeSnapshotLists(dir: string, kinds: SnapshotLists): void {
  const list = (items: object[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  for (const [kind, items] of Object.entries(kinds)) writeFileSync(join(dir, `${kind}.json`), list(items));
}
