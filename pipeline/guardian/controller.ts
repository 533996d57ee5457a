/**
 * The guardian's loop: sense (usage into per-node windows, state from the watch caches) → decide
 * (decide.ts, pure) → act (gate.ts) → journal. Level-triggered: every tick reads the whole state
 * afresh, so a missed event, a restart or a failover changes nothing about what it concludes.
 * Only the Lease holder senses-and-acts; the other replica keeps its caches warm.
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { KubeApi } from './kube/api.js';
import { Informer } from './kube/informer.js';
import { Journal } from './kube/journal.js';
import { LeaderLease } from './kube/lease.js';
import { trimNode, trimPod, type NodeObject, type PodObject } from './kube/objects.js';
import { hasHotspotTaint } from './kube/nodes.js';
import { UsageWindow } from './signals.js';
import { decide, stepDue, type Intent, type NodeView, type Refusal } from './decide.js';
import { Gate, type GateOutcome } from './gate.js';
import { GuardianMetrics } from './metrics.js';
import { HOTSPOT_TAINT, JOURNAL_ANNOTATION, type GuardianSettings } from './settings.js';
import type { NodeUsageSource } from './usage.js';
import { pickVictim } from './victims.js';
import {
  HPA_PATH,
  OWNER_KINDS,
  ownerPath,
  ownerTrimmer,
  served,
  trimHpa,
  type HpaObject,
  type OwnerKind,
  type ScaleOwnerObject,
} from './kube/autoscalers.js';
import {
  calm,
  decideHpas,
  saturated,
  type CeilingHolder,
  type HpaRefusal,
  type HpaView,
} from './decide-hpa.js';
import { GitAgreement, type EmergencyPublisher } from './git-agreement.js';
import type { GitRecord, JournalEntry } from './kube/journal.js';
import { gitopsTracking } from '../model/gitops-tracking.js';
import { SLO_CONFIG, SLO_PATH, trimSloConfig, type SloConfigObject } from './kube/koordinator.js';
import { KubeApiError } from './kube/api.js';
import {
  EKS_CONFIG,
  EKS_PATH,
  SUPER_NODE_LABEL,
  trimEksConfig,
  type EksConfigObject,
} from './kube/eks-config.js';
import { decideBurst } from './decide-burst.js';
import { resizeSupport, type ResizeSupport } from './kube/resize.js';
import { ContainerWindow, type ContainerSignal } from './container-window.js';
import {
  decideCpu,
  decideMemory,
  reviewRevisions,
  type MemoryCandidate,
  type ResizeIntent,
  type ResizeNode,
  type ResizeRefusal,
} from './decide-resize.js';
import type { ContainerSample } from './usage.js';
import type { ForecastWatch } from './forecast.js';

export interface GuardianDeps {
  api: KubeApi;
  usage: NodeUsageSource;
  clock: Clock;
  logger: Logger;
  settings: GuardianSettings;
  /** This replica's name (the pod name in a cluster). */
  identity: string;
  metrics?: GuardianMetrics;
  leaseSeconds?: number;
  /** The hotspot forecast, read when `actions.forecastTaint` is on (forecast.ts). */
  forecast?: ForecastWatch;
  /** Opens the emergency PRs that make Git agree (publish.github configured); none: Events only. */
  publisher?: { publish: EmergencyPublisher; cluster: string };
}

/** What became of one node or pool step: the gate's answer, or `failed` when the API call threw. */
export type StepOutcome = GateOutcome | 'failed';

export interface TickResult {
  leader: boolean;
  outcomes: { kind: string; node: string; outcome: StepOutcome }[];
  refused: Refusal[];
  hpas: { kind: string; hpa: string; outcome: GateOutcome }[];
  hpaRefused: HpaRefusal[];
  burst?: { kind: string; outcome: GateOutcome } | { refused: string };
  /** In-place resizes of containers (memory raises, rollbacks, give-ups; CPU steps are node outcomes). */
  resizes: { kind: string; pod: string; container: string; resource: string; outcome: StepOutcome }[];
  resizeRefused: ResizeRefusal[];
}

export class Guardian {
  readonly metrics: GuardianMetrics;
  readonly nodes: Informer<NodeObject>;
  readonly pods: Informer<PodObject>;
  readonly hpas: Informer<HpaObject>;
  /** KEDA ScaledObjects and Crane EHPAs, watched where their CRDs are installed. */
  readonly owners = new Map<OwnerKind, Informer<ScaleOwnerObject>>();
  readonly git?: GitAgreement;
  /** Koordinator's slo-controller-config, watched where the guardian may read it. */
  slo?: Informer<SloConfigObject>;
  /** TKE's kube-system/eks-config, likewise. */
  eks?: Informer<EksConfigObject>;
  private pendingSince?: number;
  private quietSince?: number;
  readonly lease: LeaderLease;
  readonly journal: Journal;
  private readonly gate: Gate;
  private readonly windows = new Map<string, UsageWindow>();
  /** Requests of one tick's node steps in flight at once. */
  private readonly limit = pLimit(8);
  private readonly coolSince = new Map<string, number>();
  /** A refused step (a PDB's 429) waits the same cool-down as a taken one before it is tried again. */
  private readonly refusedAt = new Map<string, number>();
  private readonly saturatedSince = new Map<string, number>();
  private readonly calmSince = new Map<string, number>();
  private leading = false;
  /** Whether the cluster serves pods/resize, asked once (again only after a failed ask). */
  resizeSupport?: ResizeSupport;
  /** Working-set windows of the containers followed: near their limit, or resized by the guardian. */
  private readonly containerWindows = new Map<string, ContainerWindow>();
  /** Revision id → unix seconds since its signal cleared (the rollback's cool-down). */
  private readonly clearSince = new Map<string, number>();
  /** Dry-run: container and step → when it was last logged, so one is not repeated every tick. */
  private readonly dryRunAt = new Map<string, number>();

  constructor(private readonly d: GuardianDeps) {
    this.metrics = d.metrics ?? new GuardianMetrics();
    this.nodes = new Informer(d.api, '/api/v1/nodes', trimNode, d.clock, d.logger);
    this.pods = new Informer(d.api, '/api/v1/pods', trimPod, d.clock, d.logger);
    this.lease = new LeaderLease(
      d.api,
      d.settings.namespace,
      'tidemark-guardian',
      d.identity,
      d.clock,
      d.leaseSeconds,
    );
    this.hpas = new Informer(d.api, HPA_PATH, trimHpa, d.clock, d.logger);
    this.journal = new Journal(d.api, d.settings.namespace);
    if (d.publisher)
      this.git = new GitAgreement({
        publish: d.publisher.publish,
        journal: this.journal,
        cluster: d.publisher.cluster,
        clock: d.clock,
        logger: d.logger,
        retrySeconds: d.settings.stepCooldownSeconds,
        locate: (e) => this.gitRecord(e),
        settings: d.settings,
      });
    this.gate = new Gate(d.api, this.lease, this.journal, d.settings, d.clock, d.logger, this.metrics);
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.nodes.start(signal);
    await this.pods.start(signal);
    await this.hpas.start(signal);
    // deploy/guardian/koordinator and deploy/guardian/tke grant these reads only where they apply.
    this.slo = await this.optional(
      signal,
      new Informer(this.d.api, SLO_PATH, trimSloConfig, this.d.clock, this.d.logger),
      'Koordinator thresholds',
      { namespace: SLO_CONFIG.namespace, name: SLO_CONFIG.name },
    );
    this.eks = await this.optional(
      signal,
      new Informer(this.d.api, EKS_PATH, trimEksConfig, this.d.clock, this.d.logger),
      'TKE burst switch',
      { namespace: EKS_CONFIG.namespace, name: EKS_CONFIG.name },
    );
    await this.askResizeSupport();
    for (const kind of Object.keys(OWNER_KINDS) as OwnerKind[]) {
      if (!(await served(this.d.api, kind))) continue;
      const inf = new Informer(this.d.api, ownerPath(kind), ownerTrimmer(kind), this.d.clock, this.d.logger);
      await inf.start(signal);
      this.owners.set(kind, inf);
    }
  }

  /** Until `signal` aborts: a tick every interval; the Lease is given up on the way out. */
  async run(signal: AbortSignal): Promise<void> {
    await this.start(signal);
    while (!signal.aborted) {
      await this.tick().catch((err: Error) => this.d.logger.error('tick failed', { error: err.message }));
      await this.d.clock.sleep(this.d.settings.intervalSeconds * 1000, signal).catch(() => undefined);
    }
    if (this.leading) await this.lease.release().catch(() => undefined);
  }

  /**
   * Starts a watch the guardian may not be granted (an optional deploy component): asked first with
   * a SelfSubjectAccessReview, which every user may make, so a missing grant is never a 403.
   */
  private async optional<T extends { metadata: { name: string } }>(
    signal: AbortSignal,
    inf: Informer<T>,
    what: string,
    attributes: { namespace: string; name: string },
  ): Promise<Informer<T> | undefined> {
    const review = await this.d.api.send<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { ...attributes, verb: 'watch', resource: 'configmaps' } },
      },
    );
    if (!review.status?.allowed) {
      this.d.logger.info(`${what} not watched: not granted (deploy/guardian components)`, attributes);
      return undefined;
    }
    try {
      await inf.start(signal);
      return inf;
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.status !== 404) throw err;
      this.d.logger.info(`${what} not watched`, { reason: err.message });
      return undefined;
    }
  }

  /**
   * In-place resize needs Kubernetes 1.33+ with pods/resize served: read from discovery, said
   * once, and the action stays off where it is missing.
   */
  private async askResizeSupport(): Promise<void> {
    if (!this.d.settings.actions.resize || this.resizeSupport) return;
    try {
      this.resizeSupport = await resizeSupport(this.d.api);
    } catch (err) {
      this.d.logger.warn('could not ask the API server whether it serves pods/resize; asked again later', {
        error: (err as Error).message,
      });
      return;
    }
    if (this.resizeSupport.ok)
      this.d.logger.info('in-place resize on', { kubernetes: this.resizeSupport.version });
    else this.d.logger.info('in-place resize off', { why: this.resizeSupport.why });
  }

  async tick(): Promise<TickResult> {
    const t0 = performance.now();
    const g = this.d.settings;
    const leader = await this.lease.tryAcquireOrRenew().catch((err: Error) => {
      this.d.logger.warn('lease renewal failed', { error: err.message });
      return false;
    });
    this.metrics.leader.set(leader ? 1 : 0);
    this.metrics.watchRestarts.set({ kind: 'Node' }, this.nodes.stats.restarts);
    this.metrics.watchRestarts.set({ kind: 'Pod' }, this.pods.stats.restarts);
    this.metrics.watchRestarts.set({ kind: 'HorizontalPodAutoscaler' }, this.hpas.stats.restarts);
    if (!leader) {
      this.leading = false;
      return {
        leader: false,
        outcomes: [],
        refused: [],
        hpas: [],
        hpaRefused: [],
        resizes: [],
        resizeRefused: [],
      };
    }
    if (!this.leading) {
      // A new leader (or a fresh pod) starts from what the journal says was done.
      await this.journal.load();
      this.leading = true;
      this.d.logger.info('leading', { identity: this.d.identity, journal: this.journal.entries.length });
    }
    const now = this.d.clock.now() / 1000;
    const nodes = [...this.nodes.cache.values()];
    if (g.actions.resize && !this.resizeSupport) await this.askResizeSupport();
    const resizeOn = g.actions.resize && this.resizeSupport?.ok === true;
    // The pods whose containers the guardian resized: followed whatever their working set.
    const openPods = new Set<string>();
    if (resizeOn)
      for (const e of this.journal.entries)
        if (e.action === 'resize' && e.state === 'active') openPods.add(e.target.slice('Pod/'.length));
    const [usage, memory] = await Promise.all([
      this.d.usage.sample(nodes).catch((err: Error) => {
        this.d.logger.warn('usage query failed; nodes without fresh samples go stale', {
          error: err.message,
        });
        return new Map();
      }),
      resizeOn
        ? this.d.usage
            .containerMemory(g.resize.memoryThreshold - g.hysteresis, g.resize.maxContainers, [...openPods])
            .catch((err: Error) => {
              this.d.logger.warn('container memory query failed; no memory raise this tick', {
                error: err.message,
              });
              return undefined;
            })
        : Promise.resolve(undefined),
    ]);
    const forecast = g.actions.forecastTaint ? this.d.forecast : undefined;
    // In the background: a 14-day history query must not hold up a tick; this one uses the last forecast.
    void forecast?.refresh(nodes, now).catch((err: Error) => {
      this.d.logger.warn('forecast history query failed; the last forecast stands', { error: err.message });
    });
    const requested = new Map<string, number>();
    const requestedMemory = new Map<string, number>();
    const oomed: MemoryCandidate[] = [];
    for (const p of this.pods.cache.values())
      if (p.nodeName && p.phase !== 'Succeeded' && p.phase !== 'Failed') {
        requested.set(p.nodeName, (requested.get(p.nodeName) ?? 0) + p.cpuRequest);
        requestedMemory.set(p.nodeName, (requestedMemory.get(p.nodeName) ?? 0) + p.memoryRequest);
        if (resizeOn)
          p.containers.forEach((c, index) => {
            if (c.oomAt !== undefined && c.running && now - c.oomAt <= g.resize.oomSeconds)
              oomed.push({ pod: p, index });
          });
      }

    const views: NodeView[] = [];
    for (const n of nodes) {
      const name = n.metadata.name;
      let w = this.windows.get(name);
      if (!w) this.windows.set(name, (w = new UsageWindow()));
      const s = usage.get(name);
      if (s) w.add(s);
      const signal = w.signal(now, g);
      this.metrics.signals.inc({ state: signal.state });
      if (signal.state === 'cool') {
        if (!this.coolSince.has(name)) this.coolSince.set(name, now);
      } else this.coolSince.delete(name);
      const target = `Node/${name}`;
      const open = forecast?.open(name, now);
      const ours = hasHotspotTaint(n)
        ? (this.journal.active(target, 'taint')?.id ?? n.metadata.annotations[JOURNAL_ANNOTATION])
        : undefined;
      const c = n.status.conditions;
      const otherTaint = (n.spec.taints ?? []).some(
        (t) => t.effect !== 'PreferNoSchedule' && !(t.key === HOTSPOT_TAINT.key && ours),
      );
      views.push({
        name,
        pool: n.metadata.labels[g.poolLabel] ?? '',
        handsOff:
          c['Ready'] !== 'True'
            ? 'NotReady'
            : c['NetworkUnavailable'] === 'True'
              ? 'NetworkUnavailable'
              : c['DiskPressure'] === 'True'
                ? 'DiskPressure'
                : signal.state === 'stale'
                  ? 'metrics stale'
                  : undefined,
        taintedBy: ours,
        unschedulable: !!n.spec.unschedulable || otherTaint,
        signal,
        coolSince: this.coolSince.get(name),
        lastStepAt: latest(this.journal.lastStep(target), this.refusedAt.get(name)),
        allocatableCpu: n.status.allocatableCpu,
        requestedCpu: requested.get(name) ?? 0,
        ...(open ? { forecast: open } : {}),
      });
    }
    const resizeNodes = new Map<string, ResizeNode>();
    if (resizeOn)
      for (const v of views) {
        const n = this.nodes.cache.get(v.name)!;
        resizeNodes.set(v.name, {
          name: v.name,
          ...(v.handsOff ? { handsOff: v.handsOff } : {}),
          memoryHot: v.signal.state === 'hot' && v.signal.resource === 'memory',
          roomMemory: n.status.allocatableMemory - (requestedMemory.get(v.name) ?? 0),
          roomCpu: v.allocatableCpu - v.requestedCpu,
          ...(v.coolSince !== undefined ? { coolSince: v.coolSince } : {}),
        });
      }
    // The next step on a node still hot after its taint is looked up only where it may come this
    // tick: one pass over the pods for all such nodes, their queries side by side. On CPU an
    // in-place resize comes first; a victim is looked up only where none is possible.
    const due = g.actions.evict || resizeOn ? views.filter((v) => stepDue(v, g, now)) : [];
    if (due.length) {
      const podsOn = new Map<string, PodObject[]>(due.map((v) => [v.name, []]));
      for (const p of this.pods.cache.values()) if (p.nodeName) podsOn.get(p.nodeName)?.push(p);
      await Promise.all(
        due.map((v) =>
          this.limit(async () => {
            if (resizeOn && v.signal.resource === 'cpu') {
              const use = await this.d.usage.containerCpu(v.name).catch(() => new Map());
              const hot = `node ${v.name} still hot after the taint (CPU p${Math.round(g.percentile * 100)} ${Math.round(v.signal.low.cpu * 100)} %)`;
              const plan = decideCpu(
                resizeNodes.get(v.name)!,
                podsOn.get(v.name)!,
                use,
                this.journal.entries,
                g,
                now,
                hot,
              );
              if (plan.intents.length) {
                v.resize = plan.intents;
                return;
              }
            }
            if (!g.actions.evict) return;
            const usage = await this.d.usage.pods(v.name).catch(() => new Map());
            const n = this.nodes.cache.get(v.name)!;
            v.victim = pickVictim(podsOn.get(v.name)!, v.signal.resource!, usage, n.status, g.minCpuShare);
          }),
        ),
      );
    }
    const cm = this.slo?.cache.get(`${SLO_CONFIG.namespace}/${SLO_CONFIG.name}`);
    const tightened = new Map<string, string>();
    for (const e of this.journal.entries)
      if (e.action === 'tighten' && e.state === 'active') tightened.set(e.target.slice('Pool/'.length), e.id);
    const { intents, refused } = decide(views, g, now, {
      available: cm?.colocation !== undefined,
      tightened,
    });
    for (const r of refused) this.metrics.refused.inc({ reason: r.reason });
    const run = async (
      intent: (typeof intents)[number],
    ): Promise<TickResult['outcomes'][number] | undefined> => {
      const node = this.nodes.cache.get(intent.node);
      if (!node && intent.kind !== 'relax') return undefined;
      const step =
        intent.kind === 'tighten' || intent.kind === 'relax'
          ? cm
            ? this.gate.executePool(intent, cm)
            : Promise.resolve('refused' as const)
          : intent.kind === 'resize'
            ? this.gate.executeResize(intent.change)
            : this.gate.execute(intent, node!);
      const outcome: StepOutcome = await step.catch((err: Error) => {
        this.d.logger.warn(`${intent.kind} failed`, { node: intent.node, error: err.message });
        this.metrics.actions.inc({ kind: intent.kind, outcome: 'failed' });
        return 'failed' as const;
      });
      // A refused step waits its cool-down. A failed taint or untaint (a conflict: the node changed
      // under us) is decided again next tick from fresh state — its result shows on the node, so a
      // retry never doubles it; the rate cap still counts the attempt. A failed eviction or pool
      // step may have half happened (written, journal not), so it waits like a refused one.
      const retryNextTick = intent.kind === 'taint' || intent.kind === 'untaint';
      if (intent.kind !== 'event' && (outcome === 'refused' || (outcome === 'failed' && !retryNextTick)))
        this.refusedAt.set(intent.node, now);
      return { kind: intent.kind, node: intent.node || (intent as { pool?: string }).pool!, outcome };
    };
    // Taints, untaints and Events each touch one node and share only the gate's cap (taken before
    // any await), so one tick's run side by side: the tenth hot node does not wait for nine others'
    // requests. Pool steps and evictions (caps counted from the journal) stay one at a time.
    const sideBySide: Intent[] = intents.filter(
      (i) => i.kind === 'taint' || i.kind === 'untaint' || i.kind === 'event',
    );
    const oneByOne: Intent[] = intents.filter((i) => !sideBySide.includes(i));
    const outcomes: TickResult['outcomes'] = (
      await Promise.all(sideBySide.map((i) => this.limit(() => run(i))))
    ).filter((o) => o !== undefined);
    // A refusal on one node (a PDB, a cap) does not hold back the others; losing the Lease does.
    for (const intent of oneByOne) {
      if (outcomes.some((o) => o.outcome === 'lost-lease')) break;
      const o = await run(intent);
      if (o) outcomes.push(o);
    }
    const containers = await this.resizeContainers(
      now,
      resizeOn,
      memory,
      openPods,
      oomed,
      resizeNodes,
      outcomes.some((o) => o.outcome === 'lost-lease'),
    );
    const ceilings = await this.ceilings(
      now,
      outcomes.some((o) => o.outcome === 'lost-lease') || containers.lostLease,
    );
    const burst = ceilings.lostLease ? undefined : await this.burst(now);
    this.metrics.reconcile.observe((performance.now() - t0) / 1000);
    if (this.git && !ceilings.lostLease) void this.git.kick();
    return {
      leader: true,
      outcomes,
      refused,
      hpas: ceilings.outcomes,
      hpaRefused: ceilings.refused,
      ...(burst ? { burst } : {}),
      resizes: containers.outcomes,
      resizeRefused: containers.refused,
    };
  }

  /**
   * In-place resize of containers: the windows of the containers followed, the kubelet's answers
   * to open revisions, rollbacks and give-ups, then memory raises — all side by side, each through
   * the gate.
   */
  private async resizeContainers(
    now: number,
    on: boolean,
    memory: Map<string, ContainerSample> | undefined,
    openPods: Set<string>,
    oomed: MemoryCandidate[],
    nodes: Map<string, ResizeNode>,
    lostLease: boolean,
  ): Promise<{ outcomes: TickResult['resizes']; refused: ResizeRefusal[]; lostLease: boolean }> {
    const g = this.d.settings;
    const none = { outcomes: [], refused: [], lostLease };
    if (!on) return none;
    const windows = this.containerWindows;
    if (memory) {
      for (const [k, s] of memory) {
        let w = windows.get(k);
        if (!w) windows.set(k, (w = new ContainerWindow(now)));
        w.add(s.t, s.workingSet);
      }
      for (const [k, w] of windows) {
        if (memory.has(k)) continue;
        // Asked for by name: no sample is no data, not a low one.
        if (openPods.has(k.slice(0, k.lastIndexOf('/')))) continue;
        w.add(now, 0); // under the near-limit query's floor this tick
        if ((w.lastSeen ?? w.since) <= now - g.windowSeconds) windows.delete(k);
      }
    }
    const signals = new Map<string, ContainerSignal>();
    for (const [k, w] of windows) signals.set(k, w.signal(now, g));
    const entries = this.journal.entries;
    const review = reviewRevisions(
      entries,
      (key) => this.pods.cache.get(key),
      (key) => signals.get(key),
      nodes,
      this.clearSince,
      g,
      now,
    );
    for (const id of this.clearSince.keys())
      if (!entries.some((e) => e.id === id && e.state === 'active')) this.clearSince.delete(id);
    const candidates: MemoryCandidate[] = [];
    const seen = new Set<string>();
    for (const [k, s] of signals) {
      const cut = k.lastIndexOf('/');
      const pod = this.pods.cache.get(k.slice(0, cut));
      const index = pod?.containers.findIndex((c) => c.name === k.slice(cut + 1)) ?? -1;
      if (!pod || index < 0) continue;
      candidates.push({ pod, index, signal: s });
      seen.add(k);
    }
    for (const o of oomed) {
      const k = `${o.pod.metadata.namespace}/${o.pod.metadata.name}/${o.pod.containers[o.index]!.name}`;
      if (!seen.has(k)) candidates.push(o);
    }
    const raises = decideMemory(candidates, nodes, entries, g, now);
    for (const r of raises.refused) this.metrics.refused.inc({ reason: `resize-${r.reason}` });
    this.gaugeRevisions();
    if (lostLease) return { ...none, refused: raises.refused };
    if ((await this.gate.recordRevisions(review.updates)) === 'lost-lease')
      return { ...none, refused: raises.refused, lostLease: true };
    // One call per container per tick: putting a revision back comes before a new step.
    const busy = new Set(review.intents.map((i) => `${i.pod}/${i.container}`));
    let intents: ResizeIntent[] = [
      ...review.intents,
      ...raises.intents.filter((i) => !busy.has(`${i.pod}/${i.container}`)),
    ];
    if (g.dryRun) {
      for (const [k, at] of this.dryRunAt) if (now - at >= g.stepCooldownSeconds) this.dryRunAt.delete(k);
      const key = (i: ResizeIntent) => `${i.kind}/${i.pod}/${i.container}/${i.resource}`;
      intents = intents.filter(
        (i) => now - (this.dryRunAt.get(key(i)) ?? -Infinity) >= g.stepCooldownSeconds,
      );
      for (const i of intents) this.dryRunAt.set(key(i), now);
    }
    const outcomes = await Promise.all(
      intents.map((i) =>
        this.limit(async () => {
          const outcome: StepOutcome = await this.gate.executeResize(i).catch((err: Error) => {
            this.d.logger.warn(`resize ${i.kind} failed`, {
              pod: i.pod,
              container: i.container,
              error: err.message,
            });
            this.metrics.resizes.inc({ resource: i.resource, direction: i.direction, outcome: 'failed' });
            return 'failed' as const;
          });
          return { kind: i.kind, pod: i.pod, container: i.container, resource: i.resource, outcome };
        }),
      ),
    );
    this.gaugeRevisions();
    return {
      outcomes,
      refused: raises.refused,
      lostLease: outcomes.some((o) => o.outcome === 'lost-lease'),
    };
  }

  private gaugeRevisions(): void {
    let open = 0;
    const pending = { requested: 0, 'in-progress': 0, deferred: 0 };
    for (const e of this.journal.entries)
      if (e.action === 'resize' && e.state === 'active' && e.revision) {
        open++;
        const st = e.revision.status;
        if (st === 'requested' || st === 'in-progress' || st === 'deferred') pending[st]++;
      }
    this.metrics.revisionsOpen.set(open);
    for (const [state, n] of Object.entries(pending)) this.metrics.resizePending.set({ state }, n);
  }

  /** TKE's burst switch (decide-burst.ts), from the Pending pods in the watch cache. */
  private async burst(now: number): Promise<TickResult['burst']> {
    const cm = this.eks?.cache.get(`${EKS_CONFIG.namespace}/${EKS_CONFIG.name}`);
    let pending = 0;
    for (const p of this.pods.cache.values()) if (p.unschedulable && !p.terminating) pending++;
    if (pending >= this.d.settings.burst.minPending) {
      this.pendingSince ??= now;
      this.quietSince = undefined;
    } else {
      this.pendingSince = undefined;
      if (pending === 0) this.quietSince ??= now;
    }
    let superNodes = 0;
    for (const n of this.nodes.cache.values())
      if (n.metadata.labels[SUPER_NODE_LABEL.key] === SUPER_NODE_LABEL.value) superNodes++;
    const target = `ConfigMap/${EKS_CONFIG.namespace}/${EKS_CONFIG.name}`;
    const { intent, refused } = decideBurst(
      {
        present: !!cm,
        switchValue: cm?.autoScale,
        superNodes,
        pending,
        pendingSince: this.pendingSince,
        quietSince: this.quietSince,
        entry: this.journal.active(target, 'burst'),
      },
      this.d.settings,
      now,
    );
    if (refused) {
      this.metrics.refused.inc({ reason: 'burst' });
      return { refused };
    }
    if (!intent || !cm) return undefined;
    const outcome = await this.gate.executeBurst(intent, cm).catch((err: Error) => {
      this.d.logger.warn(`${intent.kind} failed`, { error: err.message });
      return 'refused' as const;
    });
    return { kind: intent.kind, outcome };
  }

  /** The elastic ceiling: saturated HPAs lifted, calm ones restored (decide-hpa.ts). */
  private async ceilings(
    now: number,
    lostLease: boolean,
  ): Promise<{ outcomes: TickResult['hpas']; refused: HpaRefusal[]; lostLease: boolean }> {
    const g = this.d.settings;
    const views: HpaView[] = [];
    for (const [key, h] of this.hpas.cache) {
      const target = `HorizontalPodAutoscaler/${key}`;
      const entry = this.journal.active(target, 'lift');
      const original = (entry?.previous as { maxReplicas?: number } | undefined)?.maxReplicas;
      if (saturated(h)) {
        if (!this.saturatedSince.has(key)) this.saturatedSince.set(key, now);
      } else this.saturatedSince.delete(key);
      if (entry && calm(h, original ?? h.maxReplicas, g.hysteresis)) {
        if (!this.calmSince.has(key)) this.calmSince.set(key, now);
      } else this.calmSince.delete(key);
      views.push({
        key,
        hpa: h,
        holder: this.holderOf(h),
        saturatedSince: this.saturatedSince.get(key),
        calmSince: this.calmSince.get(key),
        entry,
        lastStepAt: this.journal.lastStep(target),
      });
    }
    for (const key of this.saturatedSince.keys())
      if (!this.hpas.cache.has(key)) this.saturatedSince.delete(key);
    const { intents, refused } = decideHpas(views, g, now);
    for (const r of refused) this.metrics.refused.inc({ reason: r.reason });
    const outcomes: TickResult['hpas'] = [];
    if (lostLease) return { outcomes, refused, lostLease };
    for (const intent of intents) {
      const holder = views.find((v) => v.key === intent.hpa)!.holder as CeilingHolder;
      const outcome = await this.gate.executeHpa(intent, holder).catch((err: Error) => {
        // A failed `test` (the ceiling changed under us) or an API error: decided again next tick.
        this.d.logger.warn(`${intent.kind} failed`, { hpa: intent.hpa, error: err.message });
        return 'refused' as const;
      });
      outcomes.push({ kind: intent.kind, hpa: intent.hpa, outcome });
      if (outcome === 'lost-lease') return { outcomes, refused, lostLease: true };
    }
    return { outcomes, refused, lostLease: false };
  }

  /** Where the HPA's ceiling must be written so that it sticks. */
  private holderOf(h: HpaObject): CeilingHolder | { refuse: string } {
    const { namespace, name } = h.metadata;
    let owner = h.metadata.owner;
    if (!owner)
      for (const [kind, k] of Object.entries(OWNER_KINDS))
        if (
          name.startsWith(k.hpaPrefix) &&
          this.owners.get(kind as OwnerKind)?.cache.has(`${namespace}/${name.slice(k.hpaPrefix.length)}`)
        )
          owner = { kind, name: name.slice(k.hpaPrefix.length), apiVersion: `${k.group}/${k.version}` };
    if (!owner)
      return { kind: 'HorizontalPodAutoscaler', namespace, name, max: h.maxReplicas, metadata: h.metadata };
    if (!(owner.kind in OWNER_KINDS))
      return {
        refuse: `owned by ${owner.kind} ${owner.name}, which would revert a direct patch of maxReplicas, and the guardian does not know its ceiling field`,
      };
    const kind = owner.kind as OwnerKind;
    const o = this.owners.get(kind)?.cache.get(`${namespace}/${owner.name}`);
    if (!o) return { refuse: `owned by ${kind} ${owner.name}, which the guardian cannot read` };
    if (o.maxReplicas === undefined)
      return {
        refuse: `${kind} ${owner.name} sets no ${OWNER_KINDS[kind].field} (its controller's default applies)`,
      };
    return { kind, namespace, name: owner.name, max: o.maxReplicas, metadata: o.metadata };
  }

  /** Where a lift's (or the burst switch's) value lives in Git: the object written, with its GitOps tracking. */
  private gitRecord(e: JournalEntry): GitRecord | undefined {
    if (e.action === 'burst') {
      const cm = this.eks?.cache.get(`${EKS_CONFIG.namespace}/${EKS_CONFIG.name}`);
      return {
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: EKS_CONFIG.namespace,
          name: EKS_CONFIG.name,
        },
        gitops: { ...(cm?.gitops ?? {}) },
        field: `data.${EKS_CONFIG.key}`,
      };
    }
    const [kind, namespace, name] = (e.via ?? e.target).split('/') as [string, string, string];
    if (kind === 'HorizontalPodAutoscaler') {
      const h = this.hpas.cache.get(`${namespace}/${name}`);
      if (!h) return undefined;
      return {
        object: { apiVersion: 'autoscaling/v2', kind, namespace, name },
        gitops: { ...gitopsTracking(h) },
        field: 'spec.maxReplicas',
      };
    }
    const k = OWNER_KINDS[kind as OwnerKind];
    const o = this.owners.get(kind as OwnerKind)?.cache.get(`${namespace}/${name}`);
    if (!k || !o) return undefined;
    return {
      object: { apiVersion: `${k.group}/${k.version}`, kind, namespace, name },
      gitops: { ...gitopsTracking(o) },
      field: `spec.${k.field}`,
    };
  }
}

function latest(...times: (number | undefined)[]): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
