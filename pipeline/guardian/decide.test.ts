/**
 * The guardian's judgement without a cluster: one spike is not a hotspot, a sustained low
 * percentile is; cooling needs hysteresis and time; the brakes (fleet surge, pool share, headroom,
 * per-node cool-down) hold; hands-off nodes only get an Event.
 */
import { UsageWindow, type NodeSignal } from './signals.js';
import { decide, type NodeView } from './decide.js';
import { GUARDIAN_DEFAULTS as G } from './settings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const T = 1_800_000_000;
function windowOf(values: number[], memory = 0.3, end = T): UsageWindow {
  const w = new UsageWindow();
  values.forEach((cpu, i) => w.add({ t: end - (values.length - 1 - i) * G.intervalSeconds, cpu, memory }));
  return w;
}
const twelve = (v: number) => Array.from({ length: 12 }, () => v);

describe('guardian/signals', () => {
  it('one spike, or a few, is not a hotspot; a sustained low percentile is', () => {
    const spike = [...twelve(0.5).slice(1), 1.0];
    expect(windowOf(spike).signal(T, G).state).not.toBe('hot');
    const mostlyHot = [0.5, 0.5, 0.5, ...twelve(0.95).slice(3)]; // 3 of 12 under: p20 is under
    expect(windowOf(mostlyHot).signal(T, G).state).toBe('warm');
    const hot = windowOf([0.5, ...twelve(0.92).slice(1)]).signal(T, G);
    expect(hot).toMatchObject({ state: 'hot', resource: 'cpu', samples: 12 });
    expect(hot.low.cpu).toBeGreaterThan(G.cpuThreshold);
    expect(windowOf(twelve(0.3), 0.9).signal(T, G)).toMatchObject({ state: 'hot', resource: 'memory' });
  });

  it('cools only under the threshold minus the hysteresis', () => {
    expect(windowOf(twelve(0.75)).signal(T, G).state).toBe('warm');
    expect(windowOf(twelve(0.65)).signal(T, G).state).toBe('cool');
  });

  it('waits for a mostly full window, and calls silent metrics stale', () => {
    expect(windowOf(twelve(0.95).slice(0, 5)).signal(T, G).state).toBe('unknown');
    expect(windowOf(twelve(0.95), 0.3, T - 60).signal(T, G).state).toBe('stale');
    expect(new UsageWindow().signal(T, G).state).toBe('unknown');
    // long silent: still stale (the newest sample is kept), never forgotten into `unknown`
    expect(windowOf(twelve(0.95), 0.3, T - 3600).signal(T, G).state).toBe('stale');
  });

  it('holds one window of samples, however long it runs', () => {
    const w = new UsageWindow();
    const perWindow = G.windowSeconds / G.intervalSeconds;
    for (let i = 0; i < 10 * perWindow; i++) {
      const now = T + i * G.intervalSeconds;
      w.add({ t: now, cpu: 0.95, memory: 0.3 });
      w.signal(now, G);
    }
    expect(w.size).toBe(perWindow);
    expect(w.signal(T + (10 * perWindow - 1) * G.intervalSeconds, G)).toMatchObject({
      state: 'hot',
      samples: perWindow,
    });
  });
});

const sig = (state: NodeSignal['state'], cpu = 0.9): NodeSignal => ({
  state,
  resource: state === 'hot' ? 'cpu' : undefined,
  low: { cpu, memory: 0.3 },
  high: { cpu, memory: 0.3 },
  samples: 12,
});
const nodeView = (name: string, o: Partial<NodeView> = {}): NodeView => ({
  name,
  pool: 'general',
  unschedulable: false,
  signal: sig('warm', 0.6),
  allocatableCpu: 16,
  requestedCpu: 8,
  ...o,
});

describe('guardian/decide', () => {
  it('taints the hottest node first, one per pool share, and says why', () => {
    const nodes = [
      nodeView('a', { signal: sig('hot', 0.85) }),
      nodeView('b', { signal: sig('hot', 0.97) }),
      ...Array.from({ length: 8 }, (_, i) => nodeView(`n${i}`)),
    ];
    const { intents, refused } = decide(nodes, G, T);
    // 10 nodes × 20 % = 2 at a time
    expect(intents.map((i) => [i.kind, i.node])).toEqual([
      ['taint', 'b'],
      ['taint', 'a'],
    ]);
    expect(intents[0]!.why).toBe('CPU p20 over 120 s is 97 % (threshold 80 %)');
    expect(refused).toEqual([]);
    const third = decide([...nodes, nodeView('c', { signal: sig('hot', 0.82) })], G, T);
    expect(third.refused).toEqual([
      expect.objectContaining({
        node: 'c',
        reason: 'pool-share',
        detail: expect.stringMatching(/^2 of 11 nodes/),
      }),
    ]);
  });

  it('only emits Events during a fleet-wide surge', () => {
    const nodes = Array.from({ length: 10 }, (_, i) =>
      nodeView(`n${i}`, { signal: sig(i < 6 ? 'hot' : 'warm') }),
    );
    const { intents, refused } = decide(nodes, G, T);
    expect(intents.every((i) => i.kind === 'event')).toBe(true);
    expect(refused.map((r) => r.reason)).toEqual(Array(6).fill('fleet-surge'));
  });

  it('keeps the schedulable headroom floor', () => {
    // the other nodes are full: tainting the one with room would leave 0 % headroom
    const nodes = [
      nodeView('hot', { signal: sig('hot'), requestedCpu: 4 }),
      ...Array.from({ length: 9 }, (_, i) => nodeView(`full${i}`, { requestedCpu: 16 })),
    ];
    const { intents, refused } = decide(nodes, { ...G, brakes: { ...G.brakes, maxPoolShare: 1 } }, T);
    expect(intents).toEqual([]);
    expect(refused[0]).toMatchObject({
      reason: 'headroom',
      detail: 'schedulable CPU headroom would fall to 0 % (floor 15 %)',
    });
  });

  it('leaves hands-off nodes to a human, honours the step cool-down, and reverts after cooling', () => {
    const nodes = [
      nodeView('notready', { signal: sig('hot'), handsOff: 'NotReady' }),
      nodeView('recent', { signal: sig('hot'), lastStepAt: T - 30 }),
      nodeView('cooled', { signal: sig('cool', 0.5), taintedBy: 'j-1', coolSince: T - G.coolSeconds }),
      nodeView('cooling', { signal: sig('cool', 0.5), taintedBy: 'j-2', coolSince: T - 60 }),
      ...Array.from({ length: 6 }, (_, i) => nodeView(`n${i}`)),
    ];
    const { intents, refused } = decide(nodes, G, T);
    expect(intents.map((i) => [i.kind, i.node])).toEqual([
      ['untaint', 'cooled'],
      ['event', 'notready'],
    ]);
    expect(refused.map((r) => [r.node, r.reason])).toEqual([
      ['notready', 'hands-off'],
      ['recent', 'cooldown'],
    ]);
  });

  it('evicts one victim from a node the taint did not cool, after the cool-down, never in a surge', () => {
    const victim = {
      pod: { metadata: { name: 'be', namespace: 'shop' } } as any,
      why: 'BestEffort, priority 0, 512 MiB',
    };
    const tainted = (o: Partial<NodeView> = {}) =>
      nodeView('hot', {
        signal: sig('hot'),
        taintedBy: 'j-1',
        lastStepAt: T - G.stepCooldownSeconds,
        victim,
        ...o,
      });
    const quiet = Array.from({ length: 9 }, (_, i) => nodeView(`n${i}`));
    expect(decide([tainted(), ...quiet], G, T).intents).toEqual([
      {
        kind: 'evict',
        node: 'hot',
        pod: 'shop/be',
        why: 'still hot after the taint (cpu p20 90 %); victim: BestEffort, priority 0, 512 MiB',
      },
    ]);
    expect(decide([tainted({ lastStepAt: T - 10 }), ...quiet], G, T).intents).toEqual([]);
    expect(
      decide([tainted({ victim: { why: 'all 3 pod(s) are protected' } }), ...quiet], G, T).refused,
    ).toEqual([{ node: 'hot', reason: 'no-victim', detail: 'all 3 pod(s) are protected' }]);
    const surge = [tainted(), ...quiet.map((n, i) => (i < 5 ? { ...n, signal: sig('hot') } : n))];
    expect(decide(surge, G, T).intents.filter((i) => i.kind === 'evict')).toEqual([]);
    expect(
      decide([tainted(), ...quiet], { ...G, actions: { ...G.actions, evict: false } }, T).refused,
    ).toEqual([{ node: 'hot', reason: 'disabled', detail: 'actions.evict is off' }]);
  });

  it('where Koordinator lends batch capacity, tightens the pool once before any eviction, and relaxes it when the pool is calm', () => {
    const victim = { pod: { metadata: { name: 'be', namespace: 'shop' } } as never, why: 'BestEffort' };
    const hot = (name: string) =>
      nodeView(name, {
        signal: sig('hot'),
        taintedBy: `j-${name}`,
        lastStepAt: T - G.stepCooldownSeconds,
        victim,
      });
    const quiet = Array.from({ length: 8 }, (_, i) => nodeView(`n${i}`));
    const reclaim = { available: true, tightened: new Map<string, string>() };
    const first = decide([hot('h1'), hot('h2'), ...quiet], G, T, reclaim).intents;
    // one tightening for the pool, not one per hot node, and no eviction in the same step
    expect(first).toEqual([
      expect.objectContaining({ kind: 'tighten', node: 'h1', pool: 'general', resource: 'cpu' }),
    ]);
    const tightened = { available: true, tightened: new Map([['general', 'j-t']]) };
    expect(decide([hot('h1'), ...quiet], G, T, tightened).intents.map((i) => i.kind)).toEqual(['evict']);
    expect(
      decide([hot('h1'), ...quiet], G, T, { available: false, tightened: new Map() }).intents.map(
        (i) => i.kind,
      ),
    ).toEqual(['evict']);
    // still tainted (cooling): held; all calm and untainted: relaxed
    expect(
      decide(
        [nodeView('h1', { signal: sig('cool', 0.5), taintedBy: 'j-h1', coolSince: T - 60 }), ...quiet],
        G,
        T,
        tightened,
      ).intents,
    ).toEqual([]);
    expect(decide(quiet, G, T, tightened).intents).toEqual([
      expect.objectContaining({ kind: 'relax', pool: 'general', entry: 'j-t' }),
    ]);
  });
});
