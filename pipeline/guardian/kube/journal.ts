/**
 * The guardian's memory, kept in the API server (a ConfigMap), so a fresh pod with an empty disk,
 * or the other replica after a failover, continues where the last leader stopped: which taints are
 * ours and since when, what each touched object looked like before, and why each step was taken or
 * refused. Writes use the ConfigMap's resourceVersion; the newest entries are kept.
 */
import type { KubeApi } from './api.js';
import { KubeApiError } from './api.js';

export interface JournalEntry {
  id: string;
  /** Unix seconds. */
  at: number;
  actor: string;
  action: 'taint' | 'untaint' | 'evict';
  target: string;
  /** The node a pod-level step relieved. */
  node?: string;
  why: string;
  /** The signal's numbers at the time. */
  signal?: Record<string, unknown>;
  /** What the object had before (for the revert). */
  previous?: unknown;
  /** active: held until reverted; done: a step with nothing to revert (an eviction). */
  state: 'active' | 'reverted' | 'done' | 'dry-run';
  revertedAt?: number;
}

interface ConfigMap {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const KEY = 'entries.json';

export class Journal {
  entries: JournalEntry[] = [];
  private rv?: string;
  private readonly path: string;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    readonly name = 'tidemark-guardian-journal',
    private readonly keep = 500,
  ) {
    this.path = `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  }

  /** Evictions journaled since `since` (unix seconds), on a node or in a namespace. */
  evictions(since: number, where: { node?: string; namespace?: string }): number {
    return this.entries.filter(
      (e) =>
        e.action === 'evict' &&
        e.state === 'done' &&
        e.at >= since &&
        (where.node === undefined || e.node === where.node) &&
        (where.namespace === undefined || e.target.split('/')[1] === where.namespace),
    ).length;
  }

  async load(): Promise<void> {
    const cm = await this.api.get<ConfigMap>(this.path);
    this.rv = cm?.metadata.resourceVersion;
    this.entries = cm?.data?.[KEY] ? (JSON.parse(cm.data[KEY]) as JournalEntry[]) : [];
  }

  /** The active entry for a target and action, if the guardian holds one. */
  active(target: string, action: JournalEntry['action']): JournalEntry | undefined {
    return this.entries.find((e) => e.target === target && e.action === action && e.state === 'active');
  }

  lastStep(target: string): number | undefined {
    const node = target.startsWith('Node/') ? target.slice(5) : undefined;
    const times = this.entries
      .filter((e) => (e.target === target || (node && e.node === node)) && e.state !== 'dry-run')
      .map((e) => e.revertedAt ?? e.at);
    return times.length ? Math.max(...times) : undefined;
  }

  /** Apply `change` to the entries and write them; on a conflict re-read and apply again. */
  async update(change: (entries: JournalEntry[]) => void): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = structuredClone(this.entries);
      change(next);
      const trimmed = next.slice(-this.keep);
      const body: ConfigMap & { apiVersion: string; kind: string } = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: this.name,
          namespace: this.namespace,
          ...(this.rv ? { resourceVersion: this.rv } : {}),
        },
        data: { [KEY]: JSON.stringify(trimmed) },
      };
      try {
        const saved = this.rv
          ? await this.api.send<ConfigMap>('PUT', this.path, body)
          : await this.api.send<ConfigMap>('POST', `/api/v1/namespaces/${this.namespace}/configmaps`, body);
        this.rv = saved.metadata.resourceVersion;
        this.entries = trimmed;
        return;
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.status !== 409) throw err;
        await this.load();
      }
    }
    throw new Error(`journal ${this.namespace}/${this.name}: five write conflicts in a row`);
  }
}
