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
  action: 'taint' | 'untaint' | 'evict' | 'lift' | 'tighten' | 'burst' | 'resize';
  target: string;
  /** The node a pod-level step relieved. */
  node?: string;
  why: string;
  /** The signal's numbers at the time. */
  signal?: Record<string, unknown>;
  /** What the object had before (for the revert). */
  previous?: unknown;
  /** The value the guardian set (a lifted ceiling), and each step that got it there. */
  value?: number | string;
  steps?: { at: number; from: number; to: number; why: string }[];
  /** Unix seconds of the latest step of a multi-step entry. */
  lastAt?: number;
  /** The object written when it is not the target (the KEDA / Crane owner of an HPA). */
  via?: string;
  /** Git agreement: what was proposed, and what Git held (see git-agreement.ts). */
  git?: GitRecord;
  /** An in-place resize: one resource of one container of one pod (decide-resize.ts). */
  revision?: Revision;
  /**
   * active: held until reverted; done: a step with nothing to revert (an eviction); superseded:
   * someone else changed the value (or the pod is gone), so it is no longer the guardian's to
   * revert; refused: the API server refused the call.
   */
  state: 'active' | 'reverted' | 'done' | 'dry-run' | 'superseded' | 'refused';
  revertedAt?: number;
}

/** Quantities as written to the API ("1280Mi", "750m"). */
export interface RevisionValues {
  request?: string;
  limit?: string;
}

export interface Revision {
  uid: string;
  container: string;
  resource: 'cpu' | 'memory';
  direction: 'raise' | 'lower';
  /** What qualified it: the working set near the limit, an OOM kill, a CPU-hot node, throttling. */
  trigger: 'working-set' | 'oom' | 'cpu-hot' | 'throttled';
  before: RevisionValues;
  after: RevisionValues;
  node: string;
  /** "Deployment/web": where Git holds the declared value. */
  workload?: string;
  /** The pod's metadata.generation after the call: the kubelet's conditions answer it. */
  generation?: number;
  /**
   * What the kubelet made of it: requested (no answer yet), in-progress, deferred (since
   * `statusAt`), done (status.containerStatuses[].resources agrees), infeasible, timeout.
   */
  status: 'requested' | 'in-progress' | 'deferred' | 'done' | 'infeasible' | 'timeout';
  statusAt?: number;
  message?: string;
  /** The rollback (or the give-up after Infeasible / a timeout): done, or refused by the API. */
  rollback?: { at: number; outcome: 'done' | 'refused'; message?: string };
}

/** The value before the guardian's change (an HPA's ceiling, a switch's setting). */
export function originalValue(e: JournalEntry): number | string {
  const p = e.previous as { maxReplicas?: number; value?: number | string };
  return p.maxReplicas ?? p.value!;
}

export interface GitRecord {
  object: { apiVersion: string; kind: string; namespace: string; name: string };
  gitops: Record<string, unknown>;
  field: string;
  /** Git's value when the guardian first looked: the value before the incident. */
  before?: unknown;
  lift?: GitAttempt;
  restore?: GitAttempt;
}

export interface GitAttempt {
  value: number | string;
  at: number;
  action: string;
  pull?: number;
  closed?: number;
  detail: string;
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
      .map((e) => Math.max(e.revertedAt ?? 0, e.lastAt ?? 0, e.at));
    return times.length ? Math.max(...times) : undefined;
  }

  private readonly queued: { change: (entries: JournalEntry[]) => void; done: (err?: unknown) => void }[] =
    [];
  private writing = false;

  /**
   * Apply `change` to the entries and write them. Changes made while a write is in flight go
   * out together in the next one (ten taints in one tick are one ConfigMap write, not ten in a row).
   */
  update(change: (entries: JournalEntry[]) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ change, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queued.length) {
      const batch = this.queued.splice(0);
      // A change that throws fails only its own caller; the others still go out.
      const failed = new Map<(typeof batch)[number], unknown>();
      try {
        await this.write((entries) => {
          failed.clear();
          for (const b of batch)
            try {
              b.change(entries);
            } catch (err) {
              failed.set(b, err ?? new Error('journal change failed'));
            }
        });
        for (const b of batch) b.done(failed.get(b));
      } catch (err) {
        for (const b of batch) b.done(failed.get(b) ?? err ?? new Error('journal write failed'));
      }
    }
    this.writing = false;
  }

  /** One write of the changed entries; on a conflict re-read and apply again. */
  private async write(change: (entries: JournalEntry[]) => void): Promise<void> {
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
