/**
 * Koordinator's reclaim thresholds, the guardian's second step on a colocated pool: batch
 * allocatable is `allocatable × thresholdPercent − higher-tier requests − system use`, so lowering
 * the hot pool's threshold shrinks the batch capacity Koordinator lends on it (formats.md §4.1),
 * without touching a pod. The threshold lives in the live `slo-controller-config` ConfigMap as JSON
 * in `colocation-config`; it is edited byte-minimally (editJsonText) through a per-pool
 * `nodeConfigs` entry — the pool's own, or one the guardian adds and later removes.
 */
import type { KubeApi } from './api.js';
import {
  patchWatchedConfigMap,
  pointer,
  trimConfigMapMeta,
  type WatchedConfigMapMeta,
} from './watched-configmap.js';
import { editJsonText, type JsonEdit } from '../../render/edit/json-in-block.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const SLO_CONFIG = {
  namespace: 'koordinator-system',
  name: 'slo-controller-config',
  key: 'colocation-config',
} as const;
export const SLO_PATH = `/api/v1/namespaces/${SLO_CONFIG.namespace}/configmaps?fieldSelector=metadata.name%3D${SLO_CONFIG.name}`;

export interface SloConfigObject {
  metadata: WatchedConfigMapMeta;
  /** The colocation-config JSON text, as stored. */
  colocation?: string;
}

export function trimSloConfig(raw: unknown): SloConfigObject {
  const o = raw as any;
  return {
    metadata: trimConfigMapMeta(o),
    colocation: o.data?.[SLO_CONFIG.key],
  };
}

const FIELD = { cpu: 'cpuReclaimThresholdPercent', memory: 'memoryReclaimThresholdPercent' } as const;
/** Koordinator's defaults (DefaultColocationStrategy). */
const DEFAULT = { cpu: 60, memory: 65 } as const;
export const ownEntryName = (pool: string): string => `tidemark-hotspot-${pool}`;

/** What a tightening changed, journaled so the relax undoes exactly that. */
export interface Tightening {
  resource: 'cpu' | 'memory';
  from: number | null;
  to: number;
  /** The guardian added the pool's nodeConfigs entry (and the array, when there was none). */
  added: boolean;
  createdArray: boolean;
}

interface Colocation {
  enable?: boolean;
  nodeConfigs?: { name?: string; nodeSelector?: { matchLabels?: Record<string, string> } }[];
  [k: string]: unknown;
}

function poolIndex(c: Colocation, label: string, pool: string): number {
  return (c.nodeConfigs ?? []).findIndex((n) => {
    const m = n.nodeSelector?.matchLabels ?? {};
    return m[label] === pool && Object.keys(m).length === 1;
  });
}

export function tighten(
  text: string,
  label: string,
  pool: string,
  resource: 'cpu' | 'memory',
  step: number,
  floor: number,
): { text: string; change: Tightening } | { refuse: string } {
  const c = JSON.parse(text) as Colocation;
  if (c.enable !== true) return { refuse: 'colocation is not enabled: there is no batch capacity to shrink' };
  const field = FIELD[resource];
  const i = poolIndex(c, label, pool);
  const entry = i >= 0 ? (c.nodeConfigs![i] as Record<string, unknown>) : undefined;
  const current = Number(entry?.[field] ?? c[field] ?? DEFAULT[resource]);
  const to = Math.max(floor, current - step);
  if (to >= current) return { refuse: `${field} of pool ${pool} is ${current} %, at the floor (${floor} %)` };
  let edits: JsonEdit[];
  let change: Tightening;
  if (entry) {
    edits = [{ path: ['nodeConfigs', i, field], value: to }];
    const from = entry[field];
    change = {
      resource,
      from: typeof from === 'number' ? from : null,
      to,
      added: false,
      createdArray: false,
    };
  } else {
    const added = { name: ownEntryName(pool), nodeSelector: { matchLabels: { [label]: pool } }, [field]: to };
    const createdArray = !Array.isArray(c.nodeConfigs);
    edits = createdArray
      ? [{ path: ['nodeConfigs'], value: [added] }]
      : [{ path: ['nodeConfigs', c.nodeConfigs!.length], value: added }];
    change = { resource, from: null, to, added: true, createdArray };
  }
  return { text: editJsonText(text, edits), change };
}

/** Undoes a tightening if the value is still the guardian's; otherwise says who changed it. */
export function relax(
  text: string,
  label: string,
  pool: string,
  t: Tightening,
): { text: string } | { refuse: string } {
  const c = JSON.parse(text) as Colocation;
  const field = FIELD[t.resource];
  const i = t.added
    ? (c.nodeConfigs ?? []).findIndex((n) => n.name === ownEntryName(pool))
    : poolIndex(c, label, pool);
  const entry = i >= 0 ? (c.nodeConfigs![i] as Record<string, unknown>) : undefined;
  if (!entry || entry[field] !== t.to)
    return {
      refuse: `${field} of pool ${pool} is ${entry ? String(entry[field]) : 'gone'}, not the ${t.to} % the guardian set: changed by someone else`,
    };
  const edits: JsonEdit[] = t.added
    ? t.createdArray && c.nodeConfigs!.length === 1
      ? [{ path: ['nodeConfigs'], value: undefined }]
      : [{ path: ['nodeConfigs', i], value: undefined }]
    : [{ path: ['nodeConfigs', i, field], value: t.from ?? undefined }];
  return { text: editJsonText(text, edits) };
}

/** Writes the JSON if the ConfigMap is still the one read, and the journal annotation (or removes it). */
export async function writeColocation(
  api: KubeApi,
  cm: SloConfigObject,
  text: string,
  annotation: string | undefined,
): Promise<void> {
  await patchWatchedConfigMap(
    api,
    cm.metadata,
    [{ op: 'replace', path: `/data/${pointer(SLO_CONFIG.key)}`, value: text }],
    annotation,
  );
}
