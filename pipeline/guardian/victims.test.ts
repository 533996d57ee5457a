/** Victim choice: protections first, then QoS, priority and use of the hot resource. */
import { pickVictim, protection, type PodUsage } from './victims.js';
import type { PodObject } from './kube/objects.js';

const pod = (name: string, o: Partial<PodObject> = {}): PodObject => ({
  metadata: { name, namespace: 'shop' },
  nodeName: 'n1',
  phase: 'Running',
  cpuRequest: 100,
  memoryRequest: 0,
  containers: [],
  qosClass: 'Burstable',
  priority: 0,
  controller: 'ReplicaSet',
  mirror: false,
  localStorage: false,
  guardian: false,
  terminating: false,
  unschedulable: false,
  ...o,
});
const node = { allocatableCpu: 16000, allocatableMemory: 64 * 2 ** 30 };
const use = (m: Record<string, Partial<PodUsage>>) =>
  new Map(Object.entries(m).map(([k, v]) => [`shop/${k}`, { cpu: 0, memory: 0, ...v }]));

describe('guardian/victims', () => {
  it('protects DaemonSet, mirror, bare, critical, local-storage, terminating and guardian pods', () => {
    expect(protection(pod('a', { controller: 'DaemonSet' }))).toBe('a DaemonSet pod');
    expect(protection(pod('a', { mirror: true }))).toBe('a static (mirror) pod');
    expect(protection(pod('a', { controller: undefined }))).toBe('no controller would recreate it');
    expect(protection(pod('a', { priority: 2_000_001_000 }))).toBe('critical priority 2000001000');
    expect(protection(pod('a', { localStorage: true }))).toBe('node-local data (hostPath or emptyDir)');
    expect(protection(pod('a', { terminating: true }))).toBe('already terminating');
    expect(protection(pod('a', { guardian: true }))).toBe('a guardian replica');
    expect(protection(pod('a'))).toBeUndefined();
    const all = [pod('ds', { controller: 'DaemonSet' }), pod('g', { guardian: true })];
    expect(pickVictim(all, 'memory', use({}), node, 0.1)).toEqual({ why: 'all 2 pod(s) are protected' });
  });

  it('takes BestEffort before Burstable, lower priority first, then the biggest user of the hot resource', () => {
    const pods = [
      pod('guaranteed', { qosClass: 'Guaranteed' }),
      pod('burst-big', { priority: 0 }),
      pod('burst-small', { priority: 0 }),
      pod('burst-important', { priority: 1000 }),
      pod('besteffort', { qosClass: 'BestEffort', priority: 0 }),
    ];
    const u = use({
      'burst-big': { memory: 4 * 2 ** 30 },
      'burst-small': { memory: 2 ** 30 },
      besteffort: { memory: 2 ** 29 },
    });
    expect(pickVictim(pods, 'memory', u, node, 0.1).pod!.metadata.name).toBe('besteffort');
    expect(pickVictim(pods.slice(0, 4), 'memory', u, node, 0.1)).toMatchObject({
      pod: { metadata: { name: 'burst-big' } },
      why: 'Burstable, priority 0, 4096 MiB',
    });
  });

  it('on CPU pressure, evicts only a pod whose own CPU use is material', () => {
    const pods = [pod('idle'), pod('busy')];
    expect(pickVictim(pods, 'cpu', use({ idle: { cpu: 0.05 }, busy: { cpu: 3 } }), node, 0.1)).toMatchObject({
      pod: { metadata: { name: 'busy' } },
    });
    expect(pickVictim(pods, 'cpu', use({ idle: { cpu: 0.05 }, busy: { cpu: 0.5 } }), node, 0.1)).toEqual({
      why: "its best victim shop/busy uses 3 % of the node's CPU (< 10 %): evicting it would not relieve the node",
    });
  });
});
