/**
 * In-place resize decided without a cluster, on hand-computed windows (interval 10 s, window
 * 120 s: twelve samples; percentiles interpolate between neighbours, p20 at rank 2.2 of 0…11).
 */
import { ContainerWindow } from './container-window.js';
import {
  decideCpu,
  decideMemory,
  qosClass,
  reviewRevisions,
  type ContainerCpu,
  type MemoryCandidate,
  type ResizeNode,
} from './decide-resize.js';
import type { ContainerState, PodObject } from './kube/objects.js';
import type { JournalEntry, Revision } from './kube/journal.js';
import { GUARDIAN_DEFAULTS as G } from './settings.js';

const Mi = 2 ** 20;
const T = 1_800_000_000;

/** Twelve samples ending at T, one per interval, followed since the window began. */
function windowOf(mib: number[], since = T - G.windowSeconds) {
  const w = new ContainerWindow(since);
  mib.forEach((v, i) => w.add(T - (mib.length - 1 - i) * G.intervalSeconds, v * Mi));
  return w.signal(T, G);
}

const container = (o: Partial<ContainerState> = {}): ContainerState => ({
  name: 'app',
  cpuRequest: 250,
  memoryRequest: 512 * Mi,
  memoryLimit: 1024 * Mi,
  limitsMap: true,
  requestsMap: true,
  running: true,
  reported: true,
  ...o,
});

const pod = (name: string, o: Partial<PodObject> = {}, c: Partial<ContainerState> = {}): PodObject => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1 },
  nodeName: 'node-1',
  phase: 'Running',
  cpuRequest: 250,
  memoryRequest: 512 * Mi,
  containers: [container(c)],
  qosClass: 'Burstable',
  priority: 0,
  controller: 'ReplicaSet',
  workload: `Deployment/${name}`,
  mirror: false,
  localStorage: false,
  guardian: false,
  terminating: false,
  unschedulable: false,
  ...o,
});

const nodes = (o: Partial<ResizeNode> = {}) =>
  new Map<string, ResizeNode>([
    ['node-1', { name: 'node-1', memoryHot: false, roomMemory: 8 * 1024 * Mi, roomCpu: 4000, ...o }],
  ]);

function revision(
  id: string,
  p: PodObject,
  r: Partial<Revision> & Pick<Revision, 'before' | 'after'>,
  e: Partial<JournalEntry> = {},
): JournalEntry {
  return {
    id,
    at: T - 3600,
    actor: 'guardian-a',
    action: 'resize',
    target: `Pod/shop/${p.metadata.name}`,
    why: 'test',
    revision: {
      uid: p.metadata.uid!,
      container: 'app',
      resource: 'memory',
      direction: 'raise',
      trigger: 'working-set',
      node: 'node-1',
      status: 'done',
      generation: 1,
      ...r,
    },
    state: 'active',
    ...e,
  };
}

describe('guardian/container-window', () => {
  it('p20 of twelve samples is the third smallest plus a fifth of the way to the fourth', () => {
    // sorted: 880, 880, 960 × 10 → rank 2.2 lands between 960 and 960
    const s = windowOf([880, 880, ...Array(10).fill(960)]);
    expect(s.low).toBe(960 * Mi);
    expect(s.full).toBe(true);
    expect(s.newest).toBe(T);
    // sorted: 880 × 3, 960 × 9 → 880 + 0.2 × 80 = 896
    expect(windowOf([880, 880, 880, ...Array(9).fill(960)]).low).toBe(896 * Mi);
    // p80: rank 8.8 of 700 × 9, 1000 × 3 → 700 + 0.8 × 300 = 940
    expect(windowOf([...Array(9).fill(700), 1000, 1000, 1000]).high / Mi).toBeCloseTo(940, 6);
  });

  it('is judged only once followed for most of the window, and only while its samples are fresh', () => {
    expect(windowOf(Array(12).fill(1000), T - 90).full).toBe(false); // 90 s < 0.8 × 120 s
    expect(windowOf(Array(12).fill(1000), T - 96).full).toBe(true);
    // the query failed for the last four ticks: the newest sample is 40 s old (> 3 intervals)
    const w = new ContainerWindow(T - G.windowSeconds);
    for (let i = 0; i < 8; i++) w.add(T - 110 + i * G.intervalSeconds, 1000 * Mi);
    expect(w.signal(T, G)).toMatchObject({ full: false, samples: 8 });
    expect(w.signal(T - 10, G).full).toBe(true);
  });
});

describe('guardian/decide-resize: QoS class as the API server computes it', () => {
  it('BestEffort, Burstable, Guaranteed (requests equal limits, summed over containers)', () => {
    expect(qosClass([{}])).toBe('BestEffort');
    expect(qosClass([{ memoryRequest: 512 * Mi, memoryLimit: 1024 * Mi }])).toBe('Burstable');
    const g = { cpuRequest: 500, cpuLimit: 500, memoryRequest: 1024 * Mi, memoryLimit: 1024 * Mi };
    expect(qosClass([g, g])).toBe('Guaranteed');
    expect(qosClass([g, { ...g, cpuLimit: 1000 }])).toBe('Burstable');
    expect(qosClass([g], [{ cpuRequest: 100 }])).toBe('Burstable'); // an init container counts
  });
});

describe('guardian/decide-resize: memory before the kill', () => {
  const hot = [880, 880, ...Array(10).fill(960)];

  it('raises limit and request by 25 % of the declared value when the p20 is ≥ 90 % of the limit', () => {
    const p = pod('web');
    const room = nodes();
    const out = decideMemory([{ pod: p, index: 0, signal: windowOf(hot) }], room, [], G, T);
    expect(out.refused).toEqual([]);
    expect(out.intents).toEqual([
      expect.objectContaining({
        kind: 'resize',
        pod: 'shop/web',
        uid: 'uid-web',
        container: 'app',
        resource: 'memory',
        direction: 'raise',
        trigger: 'working-set',
        before: { limit: '1Gi', request: '512Mi' },
        values: { limit: '1280Mi', request: '640Mi' },
        workload: 'Deployment/web',
        newest: T,
        why: 'working set p20 over 120 s is 94 % of its 1Gi limit (threshold 90 %): memory limit 1Gi → 1280Mi, request 512Mi → 640Mi',
      }),
    ]);
    // the request's 128Mi is taken from the node's room for the rest of the tick
    expect(room.get('node-1')!.roomMemory).toBe((8 * 1024 - 128) * Mi);
  });

  it('ignores a window where three samples of twelve are under (p20 87.5 %) and one followed too briefly', () => {
    const p = pod('web');
    const under = windowOf([880, 880, 880, ...Array(9).fill(960)]);
    expect(decideMemory([{ pod: p, index: 0, signal: under }], nodes(), [], G, T).intents).toEqual([]);
    const brief = windowOf(Array(12).fill(1000), T - 90);
    expect(decideMemory([{ pod: p, index: 0, signal: brief }], nodes(), [], G, T).intents).toEqual([]);
  });

  it('steps on from the declared value, never past 2× it', () => {
    const p = pod('web', {}, { memoryLimit: 1280 * Mi, memoryRequest: 640 * Mi });
    const first = revision('r1', p, {
      before: { limit: '1Gi', request: '512Mi' },
      after: { limit: '1280Mi', request: '640Mi' },
    });
    const s = windowOf(Array(12).fill(1200)); // 94 % of 1280Mi
    const next = decideMemory([{ pod: p, index: 0, signal: s }], nodes(), [first], G, T);
    // +25 % of the declared 1Gi / 512Mi, not of the current value
    expect(next.intents[0]).toMatchObject({
      before: { limit: '1280Mi', request: '640Mi' },
      values: { limit: '1536Mi', request: '768Mi' },
    });
    const atMax = pod('web', {}, { memoryLimit: 2048 * Mi, memoryRequest: 1024 * Mi });
    const out = decideMemory(
      [{ pod: atMax, index: 0, signal: windowOf(Array(12).fill(2000)) }],
      nodes(),
      [first],
      G,
      T,
    );
    expect(out.intents).toEqual([]);
    expect(out.refused).toEqual([
      {
        container: 'shop/web/app',
        reason: 'at-max',
        detail: 'limit 2Gi is 2× the declared 1Gi already',
      },
    ]);
  });

  it('keeps a Guaranteed pod Guaranteed (request follows the limit)', () => {
    const p = pod(
      'db',
      { qosClass: 'Guaranteed' },
      { cpuRequest: 500, cpuLimit: 500, memoryRequest: 1024 * Mi, memoryLimit: 1024 * Mi },
    );
    const out = decideMemory([{ pod: p, index: 0, signal: windowOf(hot) }], nodes(), [], G, T);
    expect(out.intents[0]).toMatchObject({
      before: { limit: '1Gi', request: '1Gi' },
      values: { limit: '1280Mi', request: '1280Mi' },
    });
  });

  it('refuses without room on the node, on a hands-off or memory-hot node, a protected pod, a restarting resizePolicy', () => {
    const p = pod('web');
    const c = (o: Partial<PodObject> = {}, cs: Partial<ContainerState> = {}): MemoryCandidate[] => [
      { pod: pod('web', o, cs), index: 0, signal: windowOf(hot) },
    ];
    const reasons = (cands: MemoryCandidate[], n = nodes(), g = G) =>
      decideMemory(cands, n, [], g, T).refused.map((r) => [r.reason, r.detail]);
    expect(reasons(c(), nodes({ roomMemory: 100 * Mi }))).toEqual([
      ['node-room', 'node node-1 has 99Mi unrequested, the raise needs 128Mi'],
    ]);
    expect(reasons(c(), nodes({ handsOff: 'NotReady' }))).toEqual([['hands-off', 'node node-1: NotReady']]);
    expect(reasons(c(), nodes({ memoryHot: true }))[0]![0]).toBe('memory-hot');
    expect(reasons(c({ controller: 'DaemonSet' }))).toEqual([['protected', 'a DaemonSet pod']]);
    expect(reasons(c({ mirror: true }))).toEqual([['protected', 'a static (mirror) pod']]);
    expect(reasons(c({ guardian: true }))).toEqual([['protected', 'a guardian replica']]);
    expect(reasons(c({}, { restartOnMemory: true }))[0]![0]).toBe('restart');
    const allow = { ...G, resize: { ...G.resize, allowRestart: true } };
    expect(decideMemory(c({}, { restartOnMemory: true }), nodes(), [], allow, T).intents).toHaveLength(1);
    expect(p.containers[0]!.memoryLimit).toBe(1024 * Mi);
  });

  it('one step at a time: a revision still waiting, or one within the cool-down, holds the next', () => {
    const p = pod('web');
    const waiting = revision(
      'r1',
      p,
      { before: { limit: '1Gi' }, after: { limit: '1280Mi' }, status: 'deferred', resource: 'cpu' },
      { at: T - 600 },
    );
    const out = decideMemory([{ pod: p, index: 0, signal: windowOf(hot) }], nodes(), [waiting], G, T);
    expect(out.refused[0]).toMatchObject({ reason: 'pending' });
    const recent = revision('r2', p, { before: {}, after: {} }, { at: T - 60, state: 'reverted' });
    expect(
      decideMemory([{ pod: p, index: 0, signal: windowOf(hot) }], nodes(), [recent], G, T).refused[0],
    ).toMatchObject({ reason: 'cooldown', detail: 'last resize 60 s ago (cool-down 120 s)' });
  });

  it('an OOM kill within the hour, running again, qualifies without a window; one before the last raise does not', () => {
    const p = pod('web', {}, { oomAt: T - 600 });
    const out = decideMemory([{ pod: p, index: 0 }], nodes(), [], G, T);
    expect(out.intents[0]).toMatchObject({
      trigger: 'oom',
      why: 'OOM-killed 10 min ago and running again: memory limit 1Gi → 1280Mi, request 512Mi → 640Mi',
    });
    const raisedAfter = revision('r1', p, { before: {}, after: {} }, { at: T - 300, state: 'reverted' });
    expect(decideMemory([{ pod: p, index: 0 }], nodes(), [raisedAfter], G, T).intents).toEqual([]);
    const stillDown = pod('web', {}, { oomAt: T - 600, running: undefined });
    expect(decideMemory([{ pod: stillDown, index: 0 }], nodes(), [], G, T).intents).toEqual([]);
  });
});

describe('guardian/decide-resize: CPU on a hot node', () => {
  const batch = (name: string, priority: number, limit: number) =>
    pod(name, { priority }, { cpuRequest: 500, cpuLimit: limit });
  const use = (m: Record<string, Partial<ContainerCpu>>) =>
    new Map(Object.entries(m).map(([k, v]) => [`shop/${k}/app`, { cores: 0, throttled: 0, ...v }]));

  it('lowers the lowest-priority batch limit that bites, then raises a throttled latency-critical container within the room', () => {
    const pods = [
      batch('batch-a', 0, 4000),
      batch('batch-b', 0, 2000),
      batch('batch-hi', 100, 4000),
      pod(
        'api',
        { priority: 1000, qosClass: 'Guaranteed' },
        { cpuRequest: 1000, cpuLimit: 1000, memoryRequest: 1024 * Mi, memoryLimit: 1024 * Mi },
      ),
    ];
    const u = use({
      'batch-a': { cores: 3.2 },
      'batch-b': { cores: 1 },
      'batch-hi': { cores: 3.9 },
      api: { cores: 1, throttled: 0.4 },
    });
    const n = nodes({ roomCpu: 2000 }).get('node-1')!;
    const out = decideCpu(n, pods, u, [], G, T, 'node node-1 still hot');
    expect(out.intents.map((i) => [i.pod, i.direction, i.before, i.values])).toEqual([
      // priority 0 before 100; 3.2 cores before 1: 3200m × 0.75 = 2400m (request 500m)
      ['shop/batch-a', 'lower', { limit: '4' }, { limit: '2400m' }],
      // Guaranteed: request follows the limit, 1 + 25 % = 1250m
      ['shop/api', 'raise', { limit: '1', request: '1' }, { limit: '1250m', request: '1250m' }],
    ]);
    expect(out.intents[0]!.why).toBe(
      'node node-1 still hot: batch container (priority 0) uses 3200m; CPU limit 4 → 2400m (request 500m)',
    );
    expect(out.intents.every((i) => i.nodeStep)).toBe(true);
    // within what the node has: 100m of room raises the request (and so the limit) by 100m only
    const tight = decideCpu(nodes({ roomCpu: 100 }).get('node-1')!, pods, u, [], G, T, 'hot');
    expect(tight.intents[1]!.values).toEqual({ limit: '1100m', request: '1100m' });
  });

  it('never lowers under the request, a Guaranteed pod, or a limit that would not bite', () => {
    const pods = [
      batch('near-request', 0, 600), // 600m → max(500, 0.75 × 700) = 525 < 600: lowered to 525m
      pod('guaranteed', { qosClass: 'Guaranteed' }, { cpuRequest: 1000, cpuLimit: 1000 }),
      batch('idle', 0, 4000), // uses 0.2 cores: a limit of 500m would not bite
    ];
    const u = use({ 'near-request': { cores: 0.7 }, guaranteed: { cores: 1 }, idle: { cores: 0.2 } });
    const out = decideCpu(nodes().get('node-1')!, pods, u, [], G, T, 'hot');
    expect(out.intents.map((i) => [i.pod, i.values])).toEqual([['shop/near-request', { limit: '525m' }]]);
    const none = decideCpu(nodes().get('node-1')!, pods.slice(1), u, [], G, T, 'hot');
    expect(none).toEqual({
      intents: [],
      why: 'no batch container whose CPU limit can come down (all at their request); no latency-critical container is throttled',
    });
  });
});

describe('guardian/decide-resize: the kubelet answers, rollback', () => {
  const p = pod('web', { metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 2 } });
  const raised = pod(
    'web',
    { metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 2 } },
    { memoryLimit: 1280 * Mi, memoryRequest: 640 * Mi },
  );
  const open = (status: Revision['status'], o: Partial<Revision> = {}, e: Partial<JournalEntry> = {}) =>
    revision(
      'r1',
      p,
      {
        before: { limit: '1Gi', request: '512Mi' },
        after: { limit: '1280Mi', request: '640Mi' },
        status,
        generation: 2,
        ...o,
      },
      e,
    );
  const review = (
    entries: JournalEntry[],
    at: PodObject | undefined,
    o: {
      signal?: ReturnType<typeof windowOf>;
      nodes?: Map<string, ResizeNode>;
      clear?: Map<string, number>;
    } = {},
    now = T,
  ) =>
    reviewRevisions(
      entries,
      () => at,
      () => o.signal,
      o.nodes ?? nodes(),
      o.clear ?? new Map(),
      G,
      now,
    );

  it('Infeasible: gives up (puts the old values back); Deferred: waits, then gives up after 300 s', () => {
    const infeasible = {
      ...raised,
      resizePending: {
        reason: 'Infeasible',
        message: "Node didn't have enough capacity",
        observedGeneration: 2,
      },
    };
    const out = review([open('requested')], infeasible);
    expect(out.intents).toEqual([
      expect.objectContaining({
        kind: 'give-up',
        entry: 'r1',
        status: 'infeasible',
        before: { limit: '1280Mi', request: '640Mi' },
        values: { limit: '1Gi', request: '512Mi' },
        why: "the kubelet says Infeasible: Node didn't have enough capacity",
      }),
    ]);
    const deferred = { ...raised, resizePending: { reason: 'Deferred', observedGeneration: 2 } };
    expect(review([open('requested')], deferred).updates).toEqual([
      { entry: 'r1', status: 'deferred', statusAt: T },
    ]);
    expect(review([open('deferred', { statusAt: T - 299 })], deferred)).toEqual({ updates: [], intents: [] });
    expect(review([open('deferred', { statusAt: T - 300 })], deferred).intents[0]).toMatchObject({
      kind: 'give-up',
      status: 'timeout',
    });
    // an answer to an earlier generation is not an answer to this resize
    const old = { ...raised, resizePending: { reason: 'Infeasible', observedGeneration: 1 } };
    expect(review([open('requested')], old).intents).toEqual([]);
  });

  it('in progress: waits; status resources agree: done; the watch behind our own change: nothing yet', () => {
    const inProgress = { ...raised, resizeInProgress: { reason: '', observedGeneration: 2 } };
    expect(review([open('requested')], inProgress).updates).toEqual([
      { entry: 'r1', status: 'in-progress', statusAt: T },
    ]);
    const applying = pod(
      'web',
      { metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 2 } },
      { memoryLimit: 1280 * Mi, memoryRequest: 640 * Mi, applied: { memoryLimit: 1024 * Mi } },
    );
    expect(review([open('requested')], applying).updates).toEqual([]);
    expect(review([open('requested')], raised).updates).toEqual([
      { entry: 'r1', status: 'done', statusAt: T },
    ]);
    const stale = pod('web', { metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 1 } });
    expect(review([open('requested')], stale)).toEqual({ updates: [], intents: [] });
  });

  it('releases a revision whose pod is gone or replaced, or whose value someone else changed', () => {
    expect(review([open('done')], undefined).updates).toEqual([
      { entry: 'r1', release: 'the pod is gone (deleted or replaced)' },
    ]);
    const replaced = { ...raised, metadata: { ...raised.metadata, uid: 'uid-other' } };
    expect(review([open('done')], replaced).updates[0]).toMatchObject({
      release: expect.stringMatching(/gone/),
    });
    const edited = pod(
      'web',
      { metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation: 3 } },
      { memoryLimit: 2048 * Mi, memoryRequest: 640 * Mi },
    );
    expect(review([open('done')], edited).updates).toEqual([
      { entry: 'r1', release: 'memory limit is 2Gi, not 1280Mi: changed by someone else' },
    ]);
  });

  it('rolls a memory raise back when the p80 stays under 80 % of the old limit for the cool-down, never before', () => {
    // p80 of 700 × 9, 1000 × 3 = 940Mi: 92 % of the old 1Gi: not clear
    const busy = windowOf([...Array(9).fill(700), 1000, 1000, 1000]);
    const clear = new Map<string, number>();
    expect(review([open('done')], raised, { signal: busy, clear }).intents).toEqual([]);
    expect(clear.size).toBe(0);
    // p80 700Mi = 68 % of 1Gi, largest 700Mi: clear from now; rolled back after coolSeconds (600 s)
    const quiet = windowOf(Array(12).fill(700));
    expect(review([open('done')], raised, { signal: quiet, clear }).intents).toEqual([]);
    expect(clear.get('r1')).toBe(T);
    expect(review([open('done')], raised, { signal: quiet, clear }, T + 599).intents).toEqual([]);
    const back = review([open('done')], raised, { signal: quiet, clear }, T + 600).intents;
    expect(back).toEqual([
      expect.objectContaining({
        kind: 'rollback',
        entry: 'r1',
        values: { limit: '1Gi', request: '512Mi' },
        why: 'working set p80 68 % of the old 1Gi limit (under 80 %), largest sample 700Mi for 600 s',
      }),
    ]);
  });

  it('rolls a CPU step back once its node has been cool for the cool-down', () => {
    const lowered = pod('batch', {}, { cpuRequest: 500, cpuLimit: 2400 });
    const e = revision(
      'c1',
      lowered,
      {
        resource: 'cpu',
        direction: 'lower',
        trigger: 'cpu-hot',
        before: { limit: '4' },
        after: { limit: '2400m' },
      },
      { node: 'node-1' },
    );
    expect(review([e], lowered, { nodes: nodes({ coolSince: T - 599 }) }).intents).toEqual([]);
    expect(review([e], lowered, { nodes: nodes({ coolSince: T - 600 }) }).intents).toEqual([
      expect.objectContaining({ kind: 'rollback', values: { limit: '4' }, nodeStep: true }),
    ]);
    expect(
      review([e], lowered, { nodes: nodes({ coolSince: T - 900, handsOff: 'NotReady' }) }).intents,
    ).toEqual([]);
  });
});
