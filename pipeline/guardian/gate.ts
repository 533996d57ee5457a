/**
 * The one door every mutating step goes through: the rate cap, dry-run (the same path, logging
 * instead of writing), and the Lease — re-read right before the call, so a leader that lost it
 * while paused makes no call. Then the step, its journal entry and its Event.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { KubeApiError, type KubeApi } from './kube/api.js';
import type { Journal } from './kube/journal.js';
import type { LeaderLease } from './kube/lease.js';
import type { NodeObject } from './kube/objects.js';
import { nodeEvent, taintNode, untaintNode } from './kube/nodes.js';
import type { Intent } from './decide.js';
import type { CeilingHolder, HpaIntent } from './decide-hpa.js';
import type { BurstIntent } from './decide-burst.js';
import { EKS_CONFIG, setAutoScale, type EksConfigObject } from './kube/eks-config.js';
import { setMaxReplicas } from './kube/autoscalers.js';
import { objectEvent } from './kube/nodes.js';
import {
  relax,
  tighten,
  writeColocation,
  SLO_CONFIG,
  type SloConfigObject,
  type Tightening,
} from './kube/koordinator.js';
import type { GuardianMetrics } from './metrics.js';
import type { GuardianSettings } from './settings.js';

/** `lost-lease`: this replica is no longer the leader; nothing more this tick. */
export type GateOutcome = 'done' | 'dry-run' | 'refused' | 'lost-lease';

export class Gate {
  private readonly recent: number[] = [];
  private readonly lastEvent = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly lease: LeaderLease,
    private readonly journal: Journal,
    private readonly settings: GuardianSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: GuardianMetrics,
  ) {}

  private get maxPerMinute(): number {
    return this.settings.brakes.maxActionsPerMinute;
  }

  async execute(
    intent: Exclude<Intent, { kind: 'tighten' | 'relax' }>,
    node: NodeObject,
  ): Promise<GateOutcome> {
    const now = this.clock.now();
    if (intent.kind === 'event') {
      // Events are not steps, but a hot node would get one per tick: one per node per 5 minutes.
      if (now - (this.lastEvent.get(intent.node) ?? 0) < 300_000) return 'done';
      this.lastEvent.set(intent.node, now);
      if (this.settings.dryRun) return 'dry-run';
      if (!(await this.lease.holds())) return this.refuse(intent, 'lost-lease');
      await nodeEvent(this.api, intent.node, 'HotspotNoAction', intent.why, 'Warning');
      return 'done';
    }
    while (this.recent.length && now - this.recent[0]! > 60_000) this.recent.shift();
    if (this.recent.length >= this.maxPerMinute) return this.refuse(intent, 'rate-cap');
    if (this.settings.dryRun) {
      this.logger.info(`dry-run: would ${intent.kind} node`, { node: intent.node, why: intent.why });
      this.metrics.actions.inc({ kind: intent.kind, outcome: 'dry-run' });
      return 'dry-run';
    }
    if (intent.kind === 'evict') {
      const [ns] = intent.pod.split('/');
      const s = Math.floor(now / 1000);
      if (this.journal.evictions(s - 3600, { node: intent.node }) >= this.settings.evictCaps.perNodePerHour)
        return this.refuse(intent, 'cap-node');
      if (this.journal.evictions(s - 60, { namespace: ns }) >= this.settings.evictCaps.perNamespacePerMinute)
        return this.refuse(intent, 'cap-namespace');
    }
    // The slot is taken before the first await: steps of one tick run side by side.
    this.recent.push(now);
    if (!(await this.lease.holds())) {
      this.recent.splice(this.recent.lastIndexOf(now), 1);
      return this.refuse(intent, 'lost-lease');
    }
    if (intent.kind === 'evict') return this.evict(intent, now);
    const target = `Node/${intent.node}`;
    if (intent.kind === 'taint') {
      const id = `${this.lease.identity}-${now}-${++this.seq}`;
      await taintNode(this.api, node, id);
      await this.journal.update((entries) =>
        entries.push({
          id,
          at: Math.floor(now / 1000),
          actor: this.lease.identity,
          action: 'taint',
          target,
          why: intent.why,
          signal: {
            low: intent.signal.low,
            high: intent.signal.high,
            samples: intent.signal.samples,
            newest: intent.signal.newest,
          },
          previous: { taints: node.spec.taints ?? [] },
          state: 'active',
        }),
      );
      await nodeEvent(
        this.api,
        intent.node,
        'HotspotTainted',
        `tidemark.io/hotspot=true:NoSchedule: ${intent.why}`,
        'Warning',
      );
    } else {
      await untaintNode(this.api, node);
      await this.journal.update((entries) => {
        for (const e of entries)
          if (e.target === target && e.action === 'taint' && e.state === 'active') {
            e.state = 'reverted';
            e.revertedAt = Math.floor(now / 1000);
          }
      });
      await nodeEvent(this.api, intent.node, 'HotspotCleared', `taint removed: ${intent.why}`);
    }
    this.logger.info(`${intent.kind} node`, { node: intent.node, why: intent.why });
    this.metrics.actions.inc({ kind: intent.kind, outcome: 'done' });
    return 'done';
  }

  /**
   * A ceiling step on an HPA, written where it sticks (the HPA or its KEDA / Crane owner): lift,
   * restore, or release (someone else changed it; the journal says it is no longer ours).
   */
  async executeHpa(intent: HpaIntent, holder: CeilingHolder): Promise<GateOutcome> {
    const now = this.clock.now();
    const s = Math.floor(now / 1000);
    const target = `HorizontalPodAutoscaler/${intent.hpa}`;
    const [namespace, name] = intent.hpa.split('/') as [string, string];
    const involved = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace, name };
    const via =
      holder.kind === 'HorizontalPodAutoscaler'
        ? undefined
        : `${holder.kind}/${holder.namespace}/${holder.name}`;
    if (intent.kind !== 'release') {
      while (this.recent.length && now - this.recent[0]! > 60_000) this.recent.shift();
      if (this.recent.length >= this.maxPerMinute) return this.refuseHpa(intent, 'rate-cap');
      if (this.settings.dryRun) {
        this.logger.info(`dry-run: would ${intent.kind} HPA ceiling`, {
          hpa: intent.hpa,
          from: intent.from,
          to: intent.to,
          via,
          why: intent.why,
        });
        this.metrics.actions.inc({ kind: intent.kind, outcome: 'dry-run' });
        return 'dry-run';
      }
    } else if (this.settings.dryRun) return 'dry-run';
    if (!(await this.lease.holds())) return this.refuseHpa(intent, 'lost-lease');

    if (intent.kind === 'release') {
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (e)
          Object.assign(e, { state: 'superseded', revertedAt: s, why: `${e.why}; released: ${intent.why}` });
      });
      await objectEvent(this.api, involved, 'CeilingReleased', intent.why, 'Warning');
      this.logger.warn('HPA ceiling released', { hpa: intent.hpa, why: intent.why });
      return 'done';
    }
    this.recent.push(now);
    if (intent.kind === 'lift') {
      const active = this.journal.active(target, 'lift');
      const id = active?.id ?? `${this.lease.identity}-${now}-${++this.seq}`;
      await setMaxReplicas(this.api, holder, intent.from, intent.to, id);
      const step = { at: s, from: intent.from, to: intent.to, why: intent.why };
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === id);
        if (e) Object.assign(e, { value: intent.to, lastAt: s, steps: [...(e.steps ?? []), step] });
        else
          entries.push({
            id,
            at: s,
            lastAt: s,
            actor: this.lease.identity,
            action: 'lift',
            target,
            ...(via ? { via } : {}),
            why: intent.why,
            previous: { maxReplicas: intent.original },
            value: intent.to,
            steps: [step],
            state: 'active',
          });
      });
      await objectEvent(
        this.api,
        involved,
        'CeilingLifted',
        `maxReplicas ${intent.from} → ${intent.to}${via ? ` (through ${via})` : ''}: ${intent.why}`,
        'Warning',
      );
    } else {
      await setMaxReplicas(this.api, holder, intent.from, intent.to, undefined);
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (e) Object.assign(e, { state: 'reverted', revertedAt: s });
      });
      await objectEvent(
        this.api,
        involved,
        'CeilingRestored',
        `maxReplicas ${intent.from} → ${intent.to}${via ? ` (through ${via})` : ''}: ${intent.why}`,
      );
    }
    this.logger.info(`${intent.kind} HPA ceiling`, {
      hpa: intent.hpa,
      from: intent.from,
      to: intent.to,
      via,
      why: intent.why,
    });
    this.metrics.actions.inc({ kind: intent.kind, outcome: 'done' });
    return 'done';
  }

  /**
   * Koordinator's reclaim threshold for a pool: tightened on a node the taint did not cool,
   * relaxed when the pool is calm — or released when someone else changed the value meanwhile.
   */
  async executePool(
    intent: Extract<Intent, { kind: 'tighten' | 'relax' }>,
    cm: SloConfigObject,
  ): Promise<GateOutcome> {
    const now = this.clock.now();
    const s = Math.floor(now / 1000);
    const g = this.settings;
    while (this.recent.length && now - this.recent[0]! > 60_000) this.recent.shift();
    if (this.recent.length >= this.maxPerMinute) return this.refuse(intent, 'rate-cap');
    const text = cm.colocation;
    if (text === undefined) return this.refuse(intent, 'no-colocation-config');
    const target = `Pool/${intent.pool}`;
    const via = `ConfigMap/${SLO_CONFIG.namespace}/${SLO_CONFIG.name}`;
    const others = this.journal.entries.filter(
      (e) => e.action === 'tighten' && e.state === 'active' && e.target !== target,
    );
    if (intent.kind === 'tighten') {
      const out = tighten(text, g.poolLabel, intent.pool, intent.resource, g.reclaim.step, g.reclaim.floor);
      if ('refuse' in out) {
        this.logger.warn('refused: tighten', { pool: intent.pool, reason: out.refuse });
        return this.refuse(intent, 'reclaim-floor');
      }
      if (g.dryRun) {
        this.logger.info('dry-run: would tighten reclaim threshold', { pool: intent.pool, ...out.change });
        this.metrics.actions.inc({ kind: 'tighten', outcome: 'dry-run' });
        return 'dry-run';
      }
      if (!(await this.lease.holds())) return this.refuse(intent, 'lost-lease');
      this.recent.push(now);
      const id = `${this.lease.identity}-${now}-${++this.seq}`;
      await writeColocation(this.api, cm, out.text, id);
      await this.journal.update((entries) =>
        entries.push({
          id,
          at: s,
          actor: this.lease.identity,
          action: 'tighten',
          target,
          node: intent.node,
          via,
          why: intent.why,
          previous: out.change,
          value: out.change.to,
          state: 'active',
        }),
      );
      await nodeEvent(
        this.api,
        intent.node,
        'ReclaimTightened',
        `pool ${intent.pool}: ${intent.resource} reclaim threshold ${out.change.from ?? 'default'} → ${out.change.to} %: ${intent.why}`,
        'Warning',
      );
      this.logger.info('tightened reclaim threshold', { pool: intent.pool, ...out.change });
      this.metrics.actions.inc({ kind: 'tighten', outcome: 'done' });
      return 'done';
    }
    const entry = this.journal.entries.find((e) => e.id === intent.entry);
    if (!entry) return 'refused';
    const out = relax(text, g.poolLabel, intent.pool, entry.previous as Tightening);
    if (g.dryRun) return 'dry-run';
    if (!(await this.lease.holds())) return this.refuse(intent, 'lost-lease');
    if ('refuse' in out) {
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (e)
          Object.assign(e, { state: 'superseded', revertedAt: s, why: `${e.why}; released: ${out.refuse}` });
      });
      this.logger.warn('reclaim threshold released', { pool: intent.pool, why: out.refuse });
      return 'done';
    }
    this.recent.push(now);
    await writeColocation(this.api, cm, out.text, others.at(-1)?.id);
    await this.journal.update((entries) => {
      const e = entries.find((x) => x.id === intent.entry);
      if (e) Object.assign(e, { state: 'reverted', revertedAt: s });
    });
    this.logger.info('relaxed reclaim threshold', { pool: intent.pool, why: intent.why });
    this.metrics.actions.inc({ kind: 'relax', outcome: 'done' });
    return 'done';
  }

  /** TKE's AUTO_SCALE_EKS: on while pods stay unschedulable, back off when calm, or released. */
  async executeBurst(intent: BurstIntent, cm: EksConfigObject): Promise<GateOutcome> {
    const now = this.clock.now();
    const s = Math.floor(now / 1000);
    const target = `ConfigMap/${EKS_CONFIG.namespace}/${EKS_CONFIG.name}`;
    const involved = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: EKS_CONFIG.namespace,
      name: EKS_CONFIG.name,
    };
    if (this.settings.dryRun) {
      this.logger.info(`dry-run: would ${intent.kind}`, { why: intent.why });
      this.metrics.actions.inc({ kind: intent.kind, outcome: 'dry-run' });
      return 'dry-run';
    }
    while (this.recent.length && now - this.recent[0]! > 60_000) this.recent.shift();
    if (intent.kind !== 'burst-release' && this.recent.length >= this.maxPerMinute) {
      this.metrics.refused.inc({ reason: 'rate-cap' });
      return 'refused';
    }
    if (!(await this.lease.holds())) {
      this.metrics.refused.inc({ reason: 'lost-lease' });
      return 'lost-lease';
    }
    if (intent.kind === 'burst-release') {
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (e)
          Object.assign(e, { state: 'superseded', revertedAt: s, why: `${e.why}; released: ${intent.why}` });
      });
      await objectEvent(this.api, involved, 'BurstReleased', intent.why, 'Warning');
      return 'done';
    }
    this.recent.push(now);
    if (intent.kind === 'burst-on') {
      const id = `${this.lease.identity}-${now}-${++this.seq}`;
      await setAutoScale(this.api, cm, 'true', id);
      await this.journal.update((entries) =>
        entries.push({
          id,
          at: s,
          actor: this.lease.identity,
          action: 'burst',
          target,
          why: intent.why,
          previous: { value: cm.autoScale },
          value: 'true',
          state: 'active',
        }),
      );
      await objectEvent(
        this.api,
        involved,
        'BurstEnabled',
        `AUTO_SCALE_EKS false → true: ${intent.why}`,
        'Warning',
      );
    } else {
      await setAutoScale(this.api, cm, 'false', undefined);
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (e) Object.assign(e, { state: 'reverted', revertedAt: s });
      });
      await objectEvent(this.api, involved, 'BurstDisabled', `AUTO_SCALE_EKS true → false: ${intent.why}`);
    }
    this.logger.info(intent.kind, { why: intent.why });
    this.metrics.actions.inc({ kind: intent.kind, outcome: 'done' });
    return 'done';
  }

  private refuseHpa(intent: HpaIntent, reason: string): GateOutcome {
    this.metrics.refused.inc({ reason });
    this.logger.warn(`refused: ${intent.kind}`, { hpa: intent.hpa, reason });
    return reason === 'lost-lease' ? 'lost-lease' : 'refused';
  }

  /** Through the Eviction API, so PodDisruptionBudgets decide: a 429 is a refusal, not an error. */
  private async evict(intent: Extract<Intent, { kind: 'evict' }>, now: number): Promise<GateOutcome> {
    const [namespace, name] = intent.pod.split('/') as [string, string];
    try {
      await this.api.send('POST', `/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace },
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 429) return this.refuse(intent, 'pdb');
      if (err instanceof KubeApiError && err.status === 404) return 'done';
      throw err;
    }
    await this.journal.update((entries) =>
      entries.push({
        id: `${this.lease.identity}-${now}-${++this.seq}`,
        at: Math.floor(now / 1000),
        actor: this.lease.identity,
        action: 'evict',
        target: `Pod/${intent.pod}`,
        node: intent.node,
        why: intent.why,
        state: 'done',
      }),
    );
    await nodeEvent(
      this.api,
      intent.node,
      'HotspotEviction',
      `evicted ${intent.pod}: ${intent.why}`,
      'Warning',
    );
    this.logger.info('evicted pod', { node: intent.node, pod: intent.pod, why: intent.why });
    this.metrics.actions.inc({ kind: 'evict', outcome: 'done' });
    return 'done';
  }

  private refuse(intent: Intent, reason: string): GateOutcome {
    this.metrics.refused.inc({ reason });
    this.logger.warn(`refused: ${intent.kind}`, { node: intent.node, reason });
    return reason === 'lost-lease' ? 'lost-lease' : 'refused';
  }
}
