/**
 * bench:guardian's memory-pressure scenario: every container of the seeded pods exported with its
 * working set and cAdvisor's memory limit (so the guardian's near-limit query runs over the whole
 * cluster's series), a few hundred of them near but under the trigger, and in rounds a set of
 * containers pushed over 90 % of their limit. The pods they belong to get the status a kubelet
 * with in-place resize would write (their containers' `resources`), which the API server needs
 * before it admits a resize; kwok's stages do not write it.
 */
import { createServer, type Server } from 'node:http';
import { seededPod } from '../common/seed.js';

/** The seeded containers' memory limit (bench/common/seed.ts). */
export const CONTAINER_LIMIT = 512 * 2 ** 20;
const CONTAINERS = ['app', 'sidecar', 'log-shipper'] as const;
const BACKGROUND = 0.2;
const NEAR = 0.85;
export const HOT = 0.95;

export interface HotContainer {
  index: number;
  namespace: string;
  pod: string;
  container: 'app';
  node: string;
}

/**
 * The containers made hot, `rounds × perRound` of them: pod index j × 101, so every one is in a
 * namespace (of 100) and on a node of its own — the per-namespace and per-node caps are not what
 * is measured.
 */
export function hotContainers(pods: number, nodes: number, count: number): HotContainer[] {
  return Array.from({ length: count }, (_, j) => {
    const index = (j * 101) % pods;
    const p = seededPod(index, pods, nodes);
    return { index, namespace: p.namespace, pod: p.name, container: 'app', node: p.node };
  });
}

/**
 * Two scrape targets: `/containers`, every container but the hot ones (slow, like a real
 * cAdvisor scrape), and `/hot`, the hot ones and the near-limit background (every second).
 */
export function startContainerExporter(
  pods: number,
  nodes: number,
  hot: HotContainer[],
  near = 300,
): { server: Server; heat(c: HotContainer): void } {
  const hotIndex = new Set(hot.map((h) => h.index));
  const nearIndex = new Set(Array.from({ length: near }, (_, k) => (k * 167 + 53) % pods));
  for (const i of hotIndex) nearIndex.delete(i);
  const level = new Map<number, number>();
  const line = (i: number, container: string, share: number) => {
    const p = seededPod(i, pods, nodes);
    const l = `namespace="${p.namespace}",pod="${p.name}",container="${container}",node="${p.node}"`;
    return `container_memory_working_set_bytes{${l}} ${Math.round(CONTAINER_LIMIT * share)}\ncontainer_spec_memory_limit_bytes{${l}} ${CONTAINER_LIMIT}`;
  };
  // The background never changes: built once, so serving 300,000 lines costs the bench process
  // (whose poller times the samples) nothing.
  const background: string[] = [];
  for (let i = 0; i < pods; i++)
    for (const c of CONTAINERS) {
      if (c === 'app' && (hotIndex.has(i) || nearIndex.has(i))) continue;
      background.push(line(i, c, BACKGROUND));
    }
  const backgroundBody = Buffer.from(background.join('\n') + '\n');
  background.length = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    if (req.url !== '/hot') return void res.end(backgroundBody);
    const out: string[] = [];
    for (const i of hotIndex) out.push(line(i, 'app', level.get(i) ?? BACKGROUND));
    for (const i of nearIndex) out.push(line(i, 'app', NEAR));
    res.end(out.join('\n') + '\n');
  });
  return { server, heat: (c) => level.set(c.index, HOT) };
}
