/**
 * In-place resize, decided (pure: state in, intents out; the gate makes the calls). Three rungs:
 *
 * - Memory before the kill: a container whose working set stayed at or above 90 % of its limit
 *   over the window (the window's p20, the nodes' low-percentile trigger), or that was OOM-killed
 *   within the hour and runs again, gets its memory limit and request raised by a step (+25 % of
 *   the declared value, at most 2× it) — if its node has that much unrequested memory, its QoS
 *   class stays, and its resizePolicy does not restart it (unless allowed).
 * - CPU on a hot node (the step after the taint, before an eviction): first the CPU limit of the
 *   lowest-priority Burstable container that uses the most CPU comes down (never under its request,
 *   never a Guaranteed pod); then a throttled latency-critical container gets more request and
 *   limit, within what the node has.
 * - Revisions: one resource of one container per step, each a journal entry. The kubelet's answer
 *   is read from the pod (PodResizePending Infeasible: give up; Deferred: wait, then give up;
 *   PodResizeInProgress: wait; status.containerStatuses[].resources: done). A done raise is rolled
 *   back when its signal has cleared for the cool-down — a memory raise only when the working set's
 *   p80 is under 80 % of the old limit and its largest sample under the old limit — one revision
 *   at a time, newest first.
 */
import {
  formatCpu,
  formatMemory,
  parseCpu,
  parseMemory,
  roundCpuUp,
  roundMemoryUp,
} from '../core/quantity.js';
import type { ContainerSignal } from './container-window.js';
import type { ContainerState, PodObject, Resources } from './kube/objects.js';
import type { JournalEntry, Revision, RevisionValues } from './kube/journal.js';
import type { GuardianSettings } from './settings.js';

export type Resource = 'cpu' | 'memory';

/** What a resize needs to know of the pod's node. */
export interface ResizeNode {
  name: string;
  /** NotReady, NetworkUnavailable, DiskPressure, stale metrics: no resize there. */
  handsOff?: string;
  /** Hot on memory: a raise would feed the pressure (the node's own ladder handles it). */
  memoryHot: boolean;
  /** Allocatable minus what its pods request: bytes, millicores. */
  roomMemory: number;
  roomCpu: number;
  /** Unix seconds since its signal has been cool without a break. */
  coolSince?: number;
}

/** One call through pods/resize: a step forward, its rollback, or giving a step up. */
export interface ResizeIntent {
  kind: 'resize' | 'rollback' | 'give-up';
  /** "namespace/name". */
  pod: string;
  uid: string;
  node: string;
  container: string;
  index: number;
  resource: Resource;
  direction: Revision['direction'];
  trigger: Revision['trigger'];
  /** What it holds now, and what the call writes. */
  before: RevisionValues;
  values: RevisionValues;
  limitsMap: boolean;
  requestsMap: boolean;
  workload?: string;
  why: string;
  /** rollback / give-up: the revision it ends; give-up: why (the kubelet's answer). */
  entry?: string;
  status?: 'infeasible' | 'timeout';
  /** The newest sample behind the decision (the bench measures from it). */
  newest?: number;
  /** A CPU step relieves its node: it counts as the node's step (its cool-down, its cap). */
  nodeStep?: boolean;
}

export interface ResizeRefusal {
  /** "namespace/pod/container". */
  container: string;
  reason:
    | 'hands-off'
    | 'protected'
    | 'memory-hot'
    | 'no-limit'
    | 'restart'
    | 'pending'
    | 'cooldown'
    | 'at-max'
    | 'node-room'
    | 'qos';
  detail: string;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** A quantity as written: Mi / Gi when whole, plain bytes otherwise (never rounded away). */
export function formatQuantity(resource: Resource, v: number): string {
  if (resource === 'cpu') return formatCpu(v);
  return v % 2 ** 20 === 0 ? formatMemory(v) : String(Math.round(v));
}

export function parseValue(resource: Resource, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return resource === 'cpu' ? parseCpu(v) : parseMemory(v);
}

const requestOf = (c: Resources, r: Resource) => (r === 'cpu' ? c.cpuRequest : c.memoryRequest);
const limitOf = (c: Resources, r: Resource) => (r === 'cpu' ? c.cpuLimit : c.memoryLimit);

/** The pod's QoS class as the API server computes it (requests and limits summed over all containers). */
export function qosClass(
  containers: Resources[],
  init: Resources[] = [],
): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const req: Record<Resource, number | undefined> = { cpu: undefined, memory: undefined };
  const lim: Record<Resource, number | undefined> = { cpu: undefined, memory: undefined };
  let guaranteed = true;
  for (const c of [...containers, ...init]) {
    for (const r of ['cpu', 'memory'] as const) {
      const q = requestOf(c, r);
      if (q !== undefined && q > 0) req[r] = (req[r] ?? 0) + q;
      const l = limitOf(c, r);
      if (l !== undefined && l > 0) lim[r] = (lim[r] ?? 0) + l;
    }
    if (!((c.cpuLimit ?? 0) > 0 && (c.memoryLimit ?? 0) > 0)) guaranteed = false;
  }
  const nReq = (['cpu', 'memory'] as const).filter((r) => req[r] !== undefined).length;
  const nLim = (['cpu', 'memory'] as const).filter((r) => lim[r] !== undefined).length;
  if (!nReq && !nLim) return 'BestEffort';
  if (guaranteed)
    for (const r of ['cpu', 'memory'] as const)
      if (req[r] !== undefined && (lim[r] === undefined || Math.abs(lim[r]! - req[r]!) > 1e-6))
        guaranteed = false;
  return guaranteed && nReq === nLim ? 'Guaranteed' : 'Burstable';
}

/** Why a pod is never resized, if it is not. */
export function resizeProtection(p: PodObject): string | undefined {
  if (p.guardian) return 'a guardian replica';
  if (p.mirror) return 'a static (mirror) pod';
  if (p.controller === 'DaemonSet') return 'a DaemonSet pod';
  if (p.terminating) return 'terminating';
  if (p.phase !== 'Running') return `not running (${p.phase ?? 'no phase'})`;
  if (!p.metadata.uid) return 'no UID';
  return undefined;
}

export function isLatencyCritical(p: PodObject, g: GuardianSettings): boolean {
  return p.priority >= g.resize.latencyPriority || !!p.latencyClass;
}

const podKey = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;

/** The guardian's resize revisions of one container's resource, oldest first. */
export function revisionsOf(
  entries: JournalEntry[],
  uid: string,
  container: string,
  resource?: Resource,
): JournalEntry[] {
  return entries
    .filter(
      (e) =>
        e.action === 'resize' &&
        e.revision?.uid === uid &&
        e.revision.container === container &&
        (resource === undefined || e.revision.resource === resource),
    )
    .sort((a, b) => a.at - b.at);
}

/** The latest call on a container (a step, a rollback, a refusal): its cool-down starts there. */
function lastCall(revs: JournalEntry[]): number | undefined {
  let t: number | undefined;
  for (const e of revs) {
    if (e.state === 'dry-run') continue;
    t = Math.max(t ?? 0, e.at, e.revision?.rollback?.at ?? 0);
  }
  return t;
}

/**
 * The declared value: what the pod had before the guardian's first open revision of this
 * resource (its template's, as far as the guardian can tell), else what it has now.
 */
function declared(open: JournalEntry[], c: ContainerState, r: Resource): Resources {
  const first = open[0]?.revision;
  if (!first) return c;
  const before = first.before;
  return r === 'cpu'
    ? {
        cpuRequest: parseValue('cpu', before.request) ?? c.cpuRequest,
        cpuLimit: parseValue('cpu', before.limit) ?? c.cpuLimit,
      }
    : {
        memoryRequest: parseValue('memory', before.request) ?? c.memoryRequest,
        memoryLimit: parseValue('memory', before.limit) ?? c.memoryLimit,
      };
}

/** Checks every container step shares: cool-down since the last call, no step still waiting. */
function stepBlocked(
  revs: JournalEntry[],
  g: GuardianSettings,
  now: number,
): Pick<ResizeRefusal, 'reason' | 'detail'> | undefined {
  const open = revs.filter((e) => e.state === 'active');
  const waiting = open.find((e) => e.revision!.status !== 'done');
  if (waiting)
    return {
      reason: 'pending',
      detail: `revision ${waiting.id} is ${waiting.revision!.status}: one step at a time`,
    };
  const last = lastCall(revs);
  if (last !== undefined && now - last < g.stepCooldownSeconds)
    return {
      reason: 'cooldown',
      detail: `last resize ${Math.round(now - last)} s ago (cool-down ${g.stepCooldownSeconds} s)`,
    };
  return undefined;
}

/** The pod's containers with one container's resources replaced, for the QoS check. */
function withChange(p: PodObject, index: number, change: Resources): Resources[] {
  return p.containers.map((c, i) => (i === index ? { ...c, ...change } : c));
}

/** A container that may need more memory this tick: followed near its limit, or OOM-killed lately. */
export interface MemoryCandidate {
  pod: PodObject;
  index: number;
  signal?: ContainerSignal;
}

/**
 * Memory raises. `nodes` is read for room and changed as raises are planned, so two raises on one
 * node in one tick never count the same free memory twice.
 */
export function decideMemory(
  candidates: MemoryCandidate[],
  nodes: Map<string, ResizeNode>,
  entries: JournalEntry[],
  g: GuardianSettings,
  now: number,
): { intents: ResizeIntent[]; refused: ResizeRefusal[] } {
  const intents: ResizeIntent[] = [];
  const refused: ResizeRefusal[] = [];
  const r = g.resize;
  for (const { pod, index, signal } of candidates) {
    const c = pod.containers[index]!;
    const key = `${podKey(pod)}/${c.name}`;
    const limit = c.memoryLimit;
    const all = pod.metadata.uid ? revisionsOf(entries, pod.metadata.uid, c.name) : [];
    const revs = all.filter((e) => e.revision!.resource === 'memory');
    const lastRaise = revs.at(-1)?.at ?? -Infinity;
    let trigger: Revision['trigger'] | undefined;
    let why = '';
    if (signal?.full && limit && signal.low >= r.memoryThreshold * limit) {
      trigger = 'working-set';
      why = `working set p${Math.round(g.percentile * 100)} over ${g.windowSeconds} s is ${pct(signal.low / limit)} of its ${formatQuantity('memory', limit)} limit (threshold ${pct(r.memoryThreshold)})`;
    } else if (c.oomAt !== undefined && c.running && now - c.oomAt <= r.oomSeconds && c.oomAt > lastRaise) {
      trigger = 'oom';
      why = `OOM-killed ${Math.round((now - c.oomAt) / 60)} min ago and running again`;
    }
    if (!trigger) continue;
    const refuse = (reason: ResizeRefusal['reason'], detail: string) =>
      refused.push({ container: key, reason, detail });
    const node = pod.nodeName ? nodes.get(pod.nodeName) : undefined;
    const protectedBy = resizeProtection(pod);
    if (protectedBy) {
      refuse('protected', protectedBy);
      continue;
    }
    if (!node || node.handsOff) {
      refuse('hands-off', `node ${pod.nodeName ?? '(none)'}: ${node?.handsOff ?? 'unknown'}`);
      continue;
    }
    if (node.memoryHot) {
      refuse('memory-hot', `node ${node.name} is hot on memory: a raise would feed the pressure`);
      continue;
    }
    if (!limit) {
      refuse('no-limit', 'no memory limit to raise (its bound is the node)');
      continue;
    }
    if (c.restartOnMemory && !r.allowRestart) {
      refuse(
        'restart',
        'resizePolicy RestartContainer on memory: a resize restarts it (resize.allowRestart is off)',
      );
      continue;
    }
    // One resource at a time: a CPU step still waiting on this container holds the memory one too.
    const blocked = stepBlocked(all, g, now);
    if (blocked) {
      refused.push({ container: key, ...blocked });
      continue;
    }
    const open = revs.filter((e) => e.state === 'active');
    const d = declared(open, c, 'memory');
    const declLimit = d.memoryLimit ?? limit;
    const newLimit = Math.min(
      roundMemoryUp(limit + r.step * declLimit),
      roundMemoryUp(r.maxFactor * declLimit),
    );
    if (newLimit <= limit) {
      refuse(
        'at-max',
        `limit ${formatQuantity('memory', limit)} is ${r.maxFactor}× the declared ${formatQuantity('memory', declLimit)} already`,
      );
      continue;
    }
    const request = c.memoryRequest ?? limit;
    const declRequest = d.memoryRequest ?? declLimit;
    const newRequest =
      request >= limit
        ? newLimit
        : Math.min(
            roundMemoryUp(request + r.step * declRequest),
            roundMemoryUp(r.maxFactor * declRequest),
            newLimit,
          );
    const more = newRequest - request;
    if (more > node.roomMemory) {
      refuse(
        'node-room',
        `node ${node.name} has ${formatQuantity('memory', Math.max(0, roundMemoryUp(node.roomMemory) - 2 ** 20))} unrequested, the raise needs ${formatQuantity('memory', more)}`,
      );
      continue;
    }
    const after = { memoryLimit: newLimit, memoryRequest: newRequest };
    const qos = qosClass(withChange(pod, index, after), pod.initResources);
    const was = pod.qosClass ?? qosClass(pod.containers, pod.initResources);
    if (qos !== was) {
      refuse('qos', `the raise would make it ${qos} (it is ${was}); the API refuses a change of class`);
      continue;
    }
    node.roomMemory -= more;
    const values: RevisionValues = { limit: formatQuantity('memory', newLimit) };
    const before: RevisionValues = { limit: formatQuantity('memory', limit) };
    if (newRequest !== request) {
      values.request = formatQuantity('memory', newRequest);
      before.request = formatQuantity('memory', request);
    }
    intents.push({
      kind: 'resize',
      pod: podKey(pod),
      uid: pod.metadata.uid!,
      node: node.name,
      container: c.name,
      index,
      resource: 'memory',
      direction: 'raise',
      trigger,
      before,
      values,
      limitsMap: c.limitsMap,
      requestsMap: c.requestsMap,
      ...(pod.workload ? { workload: pod.workload } : {}),
      why: `${why}: memory limit ${before.limit} → ${values.limit}${values.request ? `, request ${before.request} → ${values.request}` : ''}`,
      ...(trigger === 'working-set' && signal?.newest !== undefined ? { newest: signal.newest } : {}),
    });
  }
  return { intents, refused };
}

/** Per container on a hot node: cores used and the share of its CFS periods throttled. */
export interface ContainerCpu {
  cores: number;
  throttled: number;
}

/**
 * The CPU step on a node hot on CPU: lower one batch container's limit, then raise one throttled
 * latency-critical container. Nothing to do (every candidate at its floor, none throttled) leaves
 * the step to the next rung (an eviction).
 */
export function decideCpu(
  node: ResizeNode,
  pods: PodObject[],
  use: Map<string, ContainerCpu>,
  entries: JournalEntry[],
  g: GuardianSettings,
  now: number,
  hot: string,
): { intents: ResizeIntent[]; why: string } {
  const r = g.resize;
  const intents: ResizeIntent[] = [];
  const reasons: string[] = [];
  if (node.handsOff) return { intents, why: `node ${node.name} is hands-off: ${node.handsOff}` };
  type Option = { pod: PodObject; index: number; c: ContainerState; key: string; u: ContainerCpu };
  const options: Option[] = [];
  for (const pod of pods) {
    if (resizeProtection(pod)) continue;
    pod.containers.forEach((c, index) => {
      const key = `${podKey(pod)}/${c.name}`;
      const u = use.get(key);
      if (u && c.running && (!c.restartOnCpu || r.allowRestart)) options.push({ pod, index, c, key, u });
    });
  }
  const ready = (o: Option) => !stepBlocked(revisionsOf(entries, o.pod.metadata.uid!, o.c.name), g, now);

  // 1. Hold back batch: the lowest priority first, the biggest user first.
  const batch = options
    .filter(
      (o) =>
        !isLatencyCritical(o.pod, g) &&
        (o.pod.qosClass ?? qosClass(o.pod.containers, o.pod.initResources)) === 'Burstable' &&
        (o.c.cpuRequest ?? 0) > 0 &&
        // A limit the API could never take away again (limits cannot be removed) is not added.
        o.c.cpuLimit !== undefined,
    )
    .sort((a, b) => a.pod.priority - b.pod.priority || b.u.cores - a.u.cores || a.key.localeCompare(b.key));
  for (const o of batch) {
    const used = o.u.cores * 1000;
    const floor = o.c.cpuRequest!;
    const to = Math.max(floor, roundCpuUp(used * (1 - r.step)));
    const from = o.c.cpuLimit!;
    // Only a limit that bites: under what it uses now, and under the limit it has.
    if (to >= used || to >= from) continue;
    if (!ready(o)) continue;
    const qos = qosClass(withChange(o.pod, o.index, { cpuLimit: to }), o.pod.initResources);
    if (qos !== 'Burstable') continue;
    const before: RevisionValues = { limit: formatQuantity('cpu', from) };
    intents.push({
      kind: 'resize',
      pod: podKey(o.pod),
      uid: o.pod.metadata.uid!,
      node: node.name,
      container: o.c.name,
      index: o.index,
      resource: 'cpu',
      direction: 'lower',
      trigger: 'cpu-hot',
      before,
      values: { limit: formatQuantity('cpu', to) },
      limitsMap: o.c.limitsMap,
      requestsMap: o.c.requestsMap,
      ...(o.pod.workload ? { workload: o.pod.workload } : {}),
      why: `${hot}: batch container (priority ${o.pod.priority}) uses ${formatQuantity('cpu', roundCpuUp(used))}; CPU limit ${before.limit} → ${formatQuantity('cpu', to)} (request ${formatQuantity('cpu', floor)})`,
      nodeStep: true,
    });
    break;
  }
  if (!intents.length)
    reasons.push('no batch container whose CPU limit can come down (all at their request)');

  // 2. Then give throttled latency-critical containers more, within what the node has.
  const critical = options
    .filter(
      (o) => isLatencyCritical(o.pod, g) && o.u.throttled >= r.throttledShare && o.c.cpuLimit !== undefined,
    )
    .sort((a, b) => b.u.throttled - a.u.throttled || a.key.localeCompare(b.key));
  let raised = false;
  for (const o of critical) {
    if (!ready(o)) continue;
    const revs = revisionsOf(entries, o.pod.metadata.uid!, o.c.name, 'cpu').filter(
      (e) => e.state === 'active',
    );
    const d = declared(revs, o.c, 'cpu');
    const limit = o.c.cpuLimit!;
    const request = o.c.cpuRequest ?? limit;
    const declLimit = d.cpuLimit ?? limit;
    const declRequest = d.cpuRequest ?? request;
    let newLimit = Math.min(roundCpuUp(limit + r.step * declLimit), roundCpuUp(r.maxFactor * declLimit));
    let newRequest =
      request >= limit
        ? newLimit
        : Math.min(
            roundCpuUp(request + r.step * declRequest),
            roundCpuUp(r.maxFactor * declRequest),
            newLimit,
          );
    // Within what the node has: the request grows only by its unrequested CPU.
    const room = Math.max(0, Math.floor(node.roomCpu / 5) * 5);
    if (newRequest - request > room) {
      newRequest = request + room;
      if (request >= limit) newLimit = newRequest;
    }
    if (newLimit <= limit) continue;
    const qos = qosClass(
      withChange(o.pod, o.index, { cpuLimit: newLimit, cpuRequest: newRequest }),
      o.pod.initResources,
    );
    if (qos !== (o.pod.qosClass ?? qosClass(o.pod.containers, o.pod.initResources))) continue;
    node.roomCpu -= newRequest - request;
    const values: RevisionValues = { limit: formatQuantity('cpu', newLimit) };
    const before: RevisionValues = { limit: formatQuantity('cpu', limit) };
    if (newRequest !== request) {
      values.request = formatQuantity('cpu', newRequest);
      before.request = formatQuantity('cpu', request);
    }
    intents.push({
      kind: 'resize',
      pod: podKey(o.pod),
      uid: o.pod.metadata.uid!,
      node: node.name,
      container: o.c.name,
      index: o.index,
      resource: 'cpu',
      direction: 'raise',
      trigger: 'throttled',
      before,
      values,
      limitsMap: o.c.limitsMap,
      requestsMap: o.c.requestsMap,
      ...(o.pod.workload ? { workload: o.pod.workload } : {}),
      why: `${hot}: latency-critical container throttled ${pct(o.u.throttled)} of its CFS periods; CPU limit ${before.limit} → ${values.limit}${values.request ? `, request ${before.request} → ${values.request}` : ''}`,
      nodeStep: true,
    });
    raised = true;
    break;
  }
  if (!raised)
    reasons.push(
      critical.length
        ? 'the throttled latency-critical containers cannot get more (cool-down, cap or no room)'
        : 'no latency-critical container is throttled',
    );
  return { intents, why: reasons.join('; ') };
}

/** A change to a revision that needs no call: the kubelet's answer, or letting it go. */
export interface RevisionUpdate {
  entry: string;
  status?: Revision['status'];
  statusAt?: number;
  message?: string;
  /** The pod is gone, or someone else changed the value: no longer the guardian's to revert. */
  release?: string;
}

/**
 * Every open revision, reviewed against the pod as the watch has it now: the kubelet's answer
 * (pending, in progress, done), giving up (Infeasible; Deferred past its timeout), and the
 * rollback once the signal has cleared for the cool-down. `clearSince` (revision id → unix
 * seconds) is the caller's memory of when each done revision's signal cleared.
 */
export function reviewRevisions(
  entries: JournalEntry[],
  pods: (key: string) => PodObject | undefined,
  signals: (key: string) => ContainerSignal | undefined,
  nodes: Map<string, ResizeNode>,
  clearSince: Map<string, number>,
  g: GuardianSettings,
  now: number,
): { updates: RevisionUpdate[]; intents: ResizeIntent[] } {
  const updates: RevisionUpdate[] = [];
  const intents: ResizeIntent[] = [];
  const groups = new Map<string, JournalEntry[]>();
  for (const e of entries)
    if (e.action === 'resize' && e.state === 'active' && e.revision) {
      const k = `${e.target}|${e.revision.uid}|${e.revision.container}|${e.revision.resource}`;
      const list = groups.get(k) ?? [];
      list.push(e);
      groups.set(k, list);
    }
  for (const [, list] of groups) {
    list.sort((a, b) => a.at - b.at);
    const e = list.at(-1)!;
    const rev = e.revision!;
    const key = e.target.slice('Pod/'.length);
    const pod = pods(key);
    const index = pod?.containers.findIndex((c) => c.name === rev.container) ?? -1;
    if (!pod || pod.metadata.uid !== rev.uid || index < 0) {
      for (const x of list) updates.push({ entry: x.id, release: 'the pod is gone (deleted or replaced)' });
      continue;
    }
    const c = pod.containers[index]!;
    // The watch has not brought our own change yet: nothing to judge.
    if (rev.generation !== undefined && (pod.metadata.generation ?? 0) < rev.generation) continue;
    const r = rev.resource;
    const now_ = { request: requestOf(c, r), limit: limitOf(c, r) };
    const changed = (['request', 'limit'] as const).find(
      (role) => rev.after[role] !== undefined && parseValue(r, rev.after[role]) !== now_[role],
    );
    if (changed) {
      if (rev.generation === undefined && now - e.at < 3 * g.intervalSeconds) continue;
      const by = `${r} ${changed} is ${now_[changed] === undefined ? 'unset' : formatQuantity(r, now_[changed]!)}, not ${rev.after[changed]}: changed by someone else`;
      for (const x of list) updates.push({ entry: x.id, release: by });
      continue;
    }
    const node = nodes.get(rev.node);
    if (rev.status !== 'done') {
      const answers = (cond: PodObject['resizePending']) =>
        cond &&
        (cond.observedGeneration === undefined ||
          rev.generation === undefined ||
          cond.observedGeneration >= rev.generation);
      const pending = answers(pod.resizePending) ? pod.resizePending : undefined;
      const inProgress = answers(pod.resizeInProgress) ? pod.resizeInProgress : undefined;
      const giveUp = (status: 'infeasible' | 'timeout', why: string) => {
        if (node?.handsOff) return; // never a call on a sick node; decided again when it is well
        intents.push(back(e, pod, c, index, 'give-up', why, status));
      };
      if (pending?.reason === 'Infeasible') {
        giveUp('infeasible', `the kubelet says Infeasible: ${pending.message ?? 'no reason given'}`);
      } else if (pending?.reason === 'Deferred') {
        const since = rev.status === 'deferred' ? (rev.statusAt ?? e.at) : now;
        if (rev.status !== 'deferred')
          updates.push({ entry: e.id, status: 'deferred', statusAt: now, message: pending.message });
        else if (now - since >= g.resize.deferredSeconds)
          giveUp(
            'timeout',
            `deferred by the kubelet for ${Math.round(now - since)} s (timeout ${g.resize.deferredSeconds} s): ${pending.message ?? ''}`.trim(),
          );
      } else if (inProgress) {
        if (rev.status !== 'in-progress')
          updates.push({ entry: e.id, status: 'in-progress', statusAt: now, message: inProgress.message });
      } else if (c.reported && !c.applied) {
        updates.push({ entry: e.id, status: 'done', statusAt: now });
      }
      continue;
    }
    // Done: roll back once the signal has cleared for the cool-down.
    let clear = false;
    let why = '';
    if (rev.trigger === 'working-set' || rev.trigger === 'oom') {
      const s = signals(`${key}/${rev.container}`);
      const old = parseValue('memory', rev.before.limit);
      if (s?.full && old !== undefined && s.high < g.resize.rollbackBelow * old && s.max < old) {
        clear = true;
        why = `working set p${Math.round((1 - g.percentile) * 100)} ${pct(s.high / old)} of the old ${rev.before.limit} limit (under ${pct(g.resize.rollbackBelow)}), largest sample ${formatQuantity('memory', roundMemoryUp(s.max))}`;
      }
    } else if (node?.coolSince !== undefined) {
      clear = true;
      why = `node ${rev.node} cool`;
    }
    if (!clear) {
      clearSince.delete(e.id);
      continue;
    }
    const since =
      clearSince.get(e.id) ??
      (rev.trigger === 'cpu-hot' || rev.trigger === 'throttled' ? node!.coolSince! : now);
    clearSince.set(e.id, since);
    if (now - since < g.coolSeconds || node?.handsOff) continue;
    const last = lastCall(revisionsOf(entries, rev.uid, rev.container));
    if (last !== undefined && now - last < g.stepCooldownSeconds) continue;
    intents.push(back(e, pod, c, index, 'rollback', `${why} for ${Math.round(now - since)} s`));
  }
  return { updates, intents };
}

/** The call that puts a revision's `before` back (a rollback, or giving up a step). */
function back(
  e: JournalEntry,
  pod: PodObject,
  c: ContainerState,
  index: number,
  kind: 'rollback' | 'give-up',
  why: string,
  status?: 'infeasible' | 'timeout',
): ResizeIntent {
  const rev = e.revision!;
  const values: RevisionValues = {};
  const before: RevisionValues = {};
  for (const role of ['request', 'limit'] as const)
    if (rev.after[role] !== undefined && rev.before[role] !== undefined) {
      values[role] = rev.before[role];
      before[role] = rev.after[role];
    }
  return {
    kind,
    pod: e.target.slice('Pod/'.length),
    uid: rev.uid,
    node: rev.node,
    container: rev.container,
    index,
    resource: rev.resource,
    direction: rev.direction,
    trigger: rev.trigger,
    before,
    values,
    limitsMap: c.limitsMap,
    requestsMap: c.requestsMap,
    ...(rev.workload ? { workload: rev.workload } : {}),
    why,
    entry: e.id,
    ...(status ? { status } : {}),
    ...(e.node ? { nodeStep: true } : {}),
  };
}
