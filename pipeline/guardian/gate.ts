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
import { resizeContainer } from './kube/resize.js';
import type { ResizeIntent, RevisionUpdate } from './decide-resize.js';
import type { JournalEntry } from './kube/journal.js';
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
    intent: Exclude<Intent, { kind: 'tighten' | 'relax' | 'resize' }>,
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

  /** Forward resizes the caps have let through whose journal entry is not written yet. */
  private readonly resizing: { at: number; node: string; namespace: string }[] = [];

  /**
   * One call through pods/resize: a step (capped per node per hour and per namespace per minute,
   * besides the total cap), a rollback, or giving a step up. Dry-run makes the same call with
   * `dryRun=All`, so the API server still validates and admits it. The API server's refusal (a
   * change of QoS class, a limit under its request, the pod replaced: 4xx) is journaled with its
   * message and left alone; anything else throws (the step failed, decided again later).
   */
  async executeResize(intent: ResizeIntent): Promise<GateOutcome> {
    const now = this.clock.now();
    const s = Math.floor(now / 1000);
    const [namespace, name] = intent.pod.split('/') as [string, string];
    const forward = intent.kind === 'resize';
    const labels = { resource: intent.resource, direction: intent.direction };
    while (this.recent.length && now - this.recent[0]! > 60_000) this.recent.shift();
    if (this.recent.length >= this.maxPerMinute) return this.refuseResize(intent, 'rate-cap');
    if (forward) {
      const caps = this.settings.resize.caps;
      const onNode = this.countResizes(s - 3600, (e) => e.revision!.node === intent.node);
      const inNamespace = this.countResizes(s - 60, (e) => e.target.split('/')[1] === namespace);
      const flying = this.resizing;
      if (onNode + flying.filter((x) => x.node === intent.node).length >= caps.perNodePerHour)
        return this.refuseResize(intent, 'cap-node');
      if (
        inNamespace + flying.filter((x) => x.namespace === namespace && now - x.at <= 60_000).length >=
        caps.perNamespacePerMinute
      )
        return this.refuseResize(intent, 'cap-namespace');
    }
    // The slots are taken before the first await: resizes of one tick run side by side.
    this.recent.push(now);
    const slot = forward ? { at: now, node: intent.node, namespace } : undefined;
    if (slot) this.resizing.push(slot);
    const free = () => {
      this.recent.splice(this.recent.lastIndexOf(now), 1);
      if (slot) this.resizing.splice(this.resizing.indexOf(slot), 1);
    };
    if (!(await this.lease.holds())) {
      free();
      return this.refuseResize(intent, 'lost-lease');
    }
    const call = {
      namespace,
      name,
      uid: intent.uid,
      index: intent.index,
      container: intent.container,
      resource: intent.resource,
      values: intent.values,
      limitsMap: intent.limitsMap,
      requestsMap: intent.requestsMap,
    };
    const what = `${intent.resource} of ${intent.pod} ${intent.container}: ${describeChange(intent)}`;
    let generation: number | undefined;
    try {
      generation = (await resizeContainer(this.api, call, this.settings.dryRun)).generation;
    } catch (err) {
      free();
      if (!(err instanceof KubeApiError) || ![400, 404, 409, 422].includes(err.status)) throw err;
      return this.resizeRefused(intent, err, s);
    }
    if (this.settings.dryRun) {
      free();
      this.logger.info(`dry-run: would ${intent.kind} ${what} (the API server admitted it)`, {
        why: intent.why,
      });
      this.metrics.resizes.inc({ ...labels, outcome: 'dry-run' });
      return 'dry-run';
    }
    const involved = { apiVersion: 'v1', kind: 'Pod', namespace, name, uid: intent.uid };
    if (forward) {
      const id = `${this.lease.identity}-${now}-${++this.seq}`;
      await this.journal.update((entries) =>
        entries.push(this.revisionEntry(intent, id, s, 'active', generation)),
      );
      if (slot) this.resizing.splice(this.resizing.indexOf(slot), 1);
      await objectEvent(
        this.api,
        involved,
        intent.resource === 'memory'
          ? 'MemoryRaised'
          : intent.direction === 'lower'
            ? 'CpuLimitLowered'
            : 'CpuRaised',
        `${intent.container}: ${describeChange(intent)} in place: ${intent.why}`,
        'Warning',
      );
      this.logger.info(`resized ${what}`, { why: intent.why, node: intent.node });
      this.metrics.resizes.inc({ ...labels, outcome: 'done' });
      return 'done';
    }
    await this.journal.update((entries) => {
      const e = entries.find((x) => x.id === intent.entry);
      if (!e?.revision) return;
      e.state = 'reverted';
      e.revertedAt = s;
      e.revision.rollback = { at: s, outcome: 'done' };
      if (intent.status)
        Object.assign(e.revision, { status: intent.status, statusAt: s, message: intent.why });
    });
    const giveUp = intent.kind === 'give-up';
    await objectEvent(
      this.api,
      involved,
      giveUp ? (intent.status === 'infeasible' ? 'ResizeInfeasible' : 'ResizeTimedOut') : 'ResizeRolledBack',
      `${intent.container}: ${describeChange(intent)}: ${giveUp ? 'given up' : 'rolled back'}: ${intent.why}`,
      giveUp ? 'Warning' : 'Normal',
    );
    this.logger.info(`${giveUp ? 'gave up' : 'rolled back'} ${what}`, { why: intent.why });
    if (intent.status === 'infeasible') this.metrics.resizeInfeasible.inc();
    this.metrics.resizes.inc({ ...labels, outcome: giveUp ? intent.status! : 'rolled-back' });
    return 'done';
  }

  /**
   * The kubelet's answers and released revisions: journal only, plus an Event each — the Lease
   * is read first, like before any write.
   */
  async recordRevisions(updates: RevisionUpdate[]): Promise<GateOutcome> {
    if (!updates.length) return 'done';
    if (this.settings.dryRun) return 'dry-run';
    if (!(await this.lease.holds())) return 'lost-lease';
    const s = Math.floor(this.clock.now() / 1000);
    const changed: { e: JournalEntry; u: RevisionUpdate }[] = [];
    await this.journal.update((entries) => {
      changed.length = 0;
      for (const u of updates) {
        const e = entries.find((x) => x.id === u.entry);
        if (!e?.revision || e.state !== 'active') continue;
        if (u.release)
          Object.assign(e, { state: 'superseded', revertedAt: s, why: `${e.why}; released: ${u.release}` });
        else
          Object.assign(e.revision, {
            status: u.status,
            statusAt: u.statusAt ?? s,
            ...(u.message ? { message: u.message } : {}),
          });
        changed.push({ e: structuredClone(e), u });
      }
    });
    for (const { e, u } of changed) {
      const rev = e.revision!;
      const labels = { resource: rev.resource, direction: rev.direction };
      if (u.release) this.metrics.resizes.inc({ ...labels, outcome: 'released' });
      this.logger.info(u.release ? 'resize revision released' : `resize ${u.status}`, {
        pod: e.target,
        container: rev.container,
        ...(u.release ? { why: u.release } : {}),
      });
      // The pod is gone: there is nothing to hang an Event on.
      if (u.release?.startsWith('the pod is gone')) continue;
      const [, namespace, name] = e.target.split('/') as [string, string, string];
      await objectEvent(
        this.api,
        { apiVersion: 'v1', kind: 'Pod', namespace, name, uid: rev.uid },
        u.release
          ? 'ResizeReleased'
          : u.status === 'done'
            ? 'Resized'
            : u.status === 'deferred'
              ? 'ResizeDeferred'
              : 'ResizeInProgress',
        u.release
          ? `${rev.container}: ${u.release}; the guardian no longer holds this ${rev.resource} change`
          : `${rev.container}: ${rev.resource} ${describeValues(rev.before, rev.after)}: ${u.status}${u.message ? ` (${u.message})` : ''}`,
      );
    }
    return 'done';
  }

  private countResizes(since: number, where: (e: JournalEntry) => boolean): number {
    return this.journal.entries.filter(
      (e) => e.action === 'resize' && e.revision && e.state !== 'dry-run' && e.at >= since && where(e),
    ).length;
  }

  private revisionEntry(
    intent: ResizeIntent,
    id: string,
    s: number,
    state: JournalEntry['state'],
    generation?: number,
    message?: string,
  ): JournalEntry {
    return {
      id,
      at: s,
      actor: this.lease.identity,
      action: 'resize',
      target: `Pod/${intent.pod}`,
      ...(intent.nodeStep ? { node: intent.node } : {}),
      why: intent.why,
      ...(intent.newest !== undefined ? { signal: { newest: intent.newest } } : {}),
      revision: {
        uid: intent.uid,
        container: intent.container,
        resource: intent.resource,
        direction: intent.direction,
        trigger: intent.trigger,
        before: intent.before,
        after: intent.values,
        node: intent.node,
        ...(intent.workload ? { workload: intent.workload } : {}),
        ...(generation !== undefined ? { generation } : {}),
        status: 'requested',
        statusAt: s,
        ...(message ? { message } : {}),
      },
      state,
    };
  }

  /** The API server said no: journaled with its words, an Event, and left alone. */
  private async resizeRefused(intent: ResizeIntent, err: KubeApiError, s: number): Promise<GateOutcome> {
    const [namespace, name] = intent.pod.split('/') as [string, string];
    let message = err.message.replace(/^PATCH \S+: /, '').slice(0, 500);
    // A failed JSON-patch `test` comes back as this bare sentence: name what was tested.
    if (/rejected our request due to an error in our request$/.test(message))
      message +=
        ": the pod's UID or the container at its index is not what the guardian decided on (the pod was replaced or changed)";
    const labels = { resource: intent.resource, direction: intent.direction };
    this.logger.warn(`the API server refused: ${intent.kind} ${intent.resource}`, {
      pod: intent.pod,
      container: intent.container,
      status: err.status,
      reason: message,
    });
    if (this.settings.dryRun) {
      this.metrics.resizes.inc({ ...labels, outcome: 'refused' });
      return 'refused';
    }
    if (intent.kind === 'resize') {
      const id = `${this.lease.identity}-${this.clock.now()}-${++this.seq}`;
      await this.journal.update((entries) =>
        entries.push(this.revisionEntry(intent, id, s, 'refused', undefined, message)),
      );
      this.metrics.resizes.inc({ ...labels, outcome: 'refused' });
    } else {
      await this.journal.update((entries) => {
        const e = entries.find((x) => x.id === intent.entry);
        if (!e?.revision) return;
        e.state = 'superseded';
        e.revertedAt = s;
        e.why = `${e.why}; ${intent.kind} refused by the API server: ${message}`;
        e.revision.rollback = { at: s, outcome: 'refused', message };
      });
      this.metrics.resizes.inc({ ...labels, outcome: 'rollback-refused' });
    }
    if (err.status !== 404)
      await objectEvent(
        this.api,
        { apiVersion: 'v1', kind: 'Pod', namespace, name, uid: intent.uid },
        intent.kind === 'resize' ? 'ResizeRefused' : 'ResizeRollbackRefused',
        `${intent.container}: ${intent.resource} ${describeChange(intent)} refused by the API server: ${message}`,
        'Warning',
      );
    return 'refused';
  }

  private refuseResize(intent: ResizeIntent, reason: string): GateOutcome {
    this.metrics.refused.inc({ reason });
    this.logger.warn(`refused: ${intent.kind} ${intent.resource}`, {
      pod: intent.pod,
      container: intent.container,
      reason,
    });
    return reason === 'lost-lease' ? 'lost-lease' : 'refused';
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

function describeValues(
  before: { request?: string; limit?: string },
  after: { request?: string; limit?: string },
): string {
  return (['limit', 'request'] as const)
    .filter((r) => after[r] !== undefined)
    .map((r) => `${r} ${before[r] ?? 'unset'} → ${after[r]}`)
    .join(', ');
}

function describeChange(intent: ResizeIntent): string {
  return describeValues(intent.before, intent.values);
}
