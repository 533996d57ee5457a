/**
 * A control plane ready for the guardian: its namespace, deploy/guardian's roles bound to the
 * given static-token users (standing in for the ServiceAccount), and Ready 16-core nodes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import type { ControlPlane } from './control-plane/index.js';
import { kubeRequest } from './control-plane/seed.js';
import type { Clock } from '../core/clock.js';
import type { NodeUsageSource } from '../guardian/usage.js';
import type { UsageSample } from '../guardian/signals.js';

export function kubectlFor(cp: ControlPlane): (args: string[], input?: string) => string {
  return (args, input) =>
    execFileSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], { input, encoding: 'utf8' });
}

export async function prepareGuardianCluster(
  cp: ControlPlane,
  users: string[],
  nodes: number,
): Promise<void> {
  const kubectl = kubectlFor(cp);
  kubectl(['create', 'namespace', 'tidemark']);
  kubectl(['apply', '-f', '-'], readFileSync(join(packageRoot(), 'deploy', 'guardian', 'rbac.yaml'), 'utf8'));
  for (const u of users) {
    kubectl(['create', 'clusterrolebinding', u, '--clusterrole=tidemark-guardian', `--user=${u}`]);
    kubectl(['-n', 'tidemark', 'create', 'rolebinding', u, '--role=tidemark-guardian', `--user=${u}`]);
  }
  for (let i = 0; i < nodes; i++) {
    const name = `node-${i}`;
    const res = { cpu: '16', memory: '64Gi', pods: '110' };
    const created = await kubeRequest(cp, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { pool: 'general', 'kubernetes.io/hostname': name } },
    });
    await kubeRequest(cp, 'PUT', `/api/v1/nodes/${name}/status`, {
      ...created.body,
      status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    // Admission adds the not-ready taint at creation; the node lifecycle controller (not running
    // here) would lift it once the node is Ready.
    const fresh = (await kubeRequest(cp, 'GET', `/api/v1/nodes/${name}`)).body;
    await kubeRequest(cp, 'PUT', `/api/v1/nodes/${name}`, { ...fresh, spec: { ...fresh.spec, taints: [] } });
  }
}

/** The guardian's journal entries as the API server holds them ([] before the first write). */
export async function readJournal(cp: ControlPlane): Promise<Record<string, unknown>[]> {
  const cm = await kubeRequest(cp, 'GET', '/api/v1/namespaces/tidemark/configmaps/tidemark-guardian-journal');
  return cm.status === 200 ? (JSON.parse(cm.body.data['entries.json']) as Record<string, unknown>[]) : [];
}

/** Whether the node carries the guardian's hotspot taint. */
export async function hasHotspotTaint(cp: ControlPlane, node: string): Promise<boolean> {
  const n = (await kubeRequest(cp, 'GET', `/api/v1/nodes/${node}`)).body;
  return ((n.spec.taints ?? []) as { key: string }[]).some((t) => t.key === 'tidemark.io/hotspot');
}

/** A clock the test advances; sleeps are short real waits, so loops still yield. */
export class TestClock implements Clock {
  constructor(public t = Date.parse('2026-12-01T12:00:00Z')) {}
  now = () => this.t;
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(h);
        reject(signal!.reason);
      };
      const h = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(ms, 50),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/** Usage per node, set by the test; `hold` keeps a tick waiting inside its sensing step. */
export class ScriptedUsage implements NodeUsageSource {
  readonly queries = [];
  cpu = new Map<string, number>();
  memory = new Map<string, number>();
  podUse = new Map<string, { cpu: number; memory: number }>();
  /**
   * Working set per "namespace/pod/container", as the near-limit query would return it: the test
   * sets the containers Prometheus would find near their limit (or asked for by pod).
   */
  workingSet = new Map<string, number>();
  /** Per container on a node ("namespace/pod/container"): cores and throttled share. */
  containerUse = new Map<string, { cores: number; throttled: number }>();
  /** The nodes whose containers' CPU was asked for, in order. */
  readonly cpuQueries: string[] = [];
  async containerMemory() {
    const t = this.clock.now() / 1000;
    return new Map([...this.workingSet].map(([k, ws]) => [k, { t, workingSet: ws }]));
  }
  async containerCpu(node: string) {
    this.cpuQueries.push(node);
    return this.containerUse;
  }
  hold?: Promise<void>;
  /** The nodes whose pods were asked for, in order (each ask is two queries against Prometheus). */
  readonly podQueries: string[] = [];
  async pods(node: string) {
    this.podQueries.push(node);
    return this.podUse;
  }
  constructor(private readonly clock: TestClock) {}
  async sample(nodes: { metadata: { name: string } }[]) {
    if (this.hold) await this.hold;
    const out = new Map<string, UsageSample>();
    for (const n of nodes)
      out.set(n.metadata.name, {
        t: this.clock.now() / 1000,
        cpu: this.cpu.get(n.metadata.name) ?? 0.3,
        memory: this.memory.get(n.metadata.name) ?? 0.3,
      });
    return out;
  }
}
