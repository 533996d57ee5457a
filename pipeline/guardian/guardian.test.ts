/**
 * The guardian against a real kube-apiserver (etcd + apiserver, no controllers), running as a user
 * bound only to deploy/guardian's roles: a hot node tainted once its window is full and untainted
 * after cooling, a spike ignored, the fleet-wide brake, a NotReady node left alone, dry-run, the
 * Lease (only the leader acts; a paused leader makes no call after losing it; a new guardian
 * continues from the journal), and watches surviving an API server restart.
 *
 * Time is a test clock advanced one interval per tick; usage comes from a scripted source (the
 * Prometheus source has its own test against a real Prometheus).
 */
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import {
  hasHotspotTaint,
  kubectlFor,
  prepareGuardianCluster,
  readJournal,
  ScriptedUsage,
  TestClock,
} from '../testing/guardian-cluster.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { createRunningPod, writeKubeletStatus } from '../testing/kubelet-status.js';
import { allowSlowTests } from '../testing/slow.js';
import { silentLogger } from '../core/logger.js';
import { connect } from '../collect/kubernetes/connect.js';
import { createKubeApi, type KubeApi } from './kube/api.js';
import { Guardian } from './controller.js';
import { GUARDIAN_DEFAULTS, type GuardianSettings } from './settings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const NODES = 10;

describeWithControlPlane()('guardian on a real kube-apiserver', () => {
  let cp: ControlPlane;
  /** Audit lines written while the API server restarts (its RBAC cache is empty for a moment). */
  let restartWindow: [number, number] = [0, 0];
  const kubectl = (args: string[]) => kubectlFor(cp)(args);
  const node = async (name: string) => (await kubeRequest(cp, 'GET', `/api/v1/nodes/${name}`)).body;
  const hotspot = (name: string) => hasHotspotTaint(cp, name);
  const journal = async () => (await readJournal(cp)) as any[];

  async function guardian(
    identity: string,
    clock: TestClock,
    usage: ScriptedUsage,
    over: Partial<GuardianSettings> = {},
    wrap: (api: KubeApi) => KubeApi = (api) => api,
  ) {
    const conn = await connect({ kubeconfig: cp.kubeconfigFor(identity) } as any);
    const g = new Guardian({
      api: wrap(createKubeApi(conn)),
      usage,
      clock,
      logger: silentLogger,
      settings: { ...GUARDIAN_DEFAULTS, poolLabel: 'pool', ...over },
      identity,
      leaseSeconds: 15,
    });
    const stop = new AbortController();
    await g.start(stop.signal);
    return { g, stop };
  }

  /** Ticks `n` times, advancing the clock one interval before each. */
  async function ticks(g: Guardian, clock: TestClock, n: number) {
    const results = [];
    for (let i = 0; i < n; i++) {
      clock.t += GUARDIAN_DEFAULTS.intervalSeconds * 1000;
      results.push(await g.tick());
    }
    return results;
  }

  async function resetNodes() {
    for (let i = 0; i < NODES; i++) {
      const name = `node-${i}`;
      const n = await node(name);
      n.spec.taints = [];
      if (n.metadata.annotations) delete n.metadata.annotations['tidemark.io/guardian-journal'];
      n.status.conditions = [{ type: 'Ready', status: 'True' }];
      await kubeRequest(cp, 'PUT', `/api/v1/nodes/${name}`, n);
      const fresh = await node(name);
      await kubeRequest(cp, 'PUT', `/api/v1/nodes/${name}/status`, { ...fresh, status: n.status });
    }
    await kubeRequest(cp, 'DELETE', '/api/v1/namespaces/tidemark/configmaps/tidemark-guardian-journal');
    await kubeRequest(
      cp,
      'DELETE',
      '/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian',
    );
  }

  beforeAll(async () => {
    cp = await startControlPlane({ users: { 'guardian-a': [], 'guardian-b': [], 'guardian-c': [] } });
    await prepareGuardianCluster(cp, ['guardian-a', 'guardian-b', 'guardian-c'], NODES);
  });

  afterAll(async () => {
    await cp?.stop();
  });

  beforeEach(resetNodes);

  it('ignores a spike, taints a node hot for a whole window, and untaints it after cooling', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const { g, stop } = await guardian('guardian-a', clock, usage);
    try {
      // one spike in an otherwise quiet window
      await ticks(g, clock, 11);
      usage.cpu.set('node-3', 0.99);
      await ticks(g, clock, 1);
      usage.cpu.set('node-3', 0.3);
      await ticks(g, clock, 3);
      expect(await hotspot('node-3')).toBe(false);

      usage.cpu.set('node-3', 0.95);
      const before = await ticks(g, clock, 8);
      expect(before.flatMap((r) => r.outcomes)).toEqual([]); // p20 still holds earlier quiet samples
      const hot = await ticks(g, clock, 6);
      expect(hot.flatMap((r) => r.outcomes)).toEqual([{ kind: 'taint', node: 'node-3', outcome: 'done' }]);
      expect(await hotspot('node-3')).toBe(true);
      const entries = await journal();
      expect(entries).toEqual([
        expect.objectContaining({
          action: 'taint',
          target: 'Node/node-3',
          state: 'active',
          actor: 'guardian-a',
        }),
      ]);
      expect((await node('node-3')).metadata.annotations['tidemark.io/guardian-journal']).toBe(entries[0].id);
      const events = await kubeRequest(cp, 'GET', '/api/v1/namespaces/default/events');
      expect(events.body.items.map((e: any) => [e.reason, e.involvedObject.name])).toContainEqual([
        'HotspotTainted',
        'node-3',
      ]);

      // cooling: under threshold − hysteresis for coolSeconds, then the taint goes
      usage.cpu.set('node-3', 0.4);
      await ticks(g, clock, 14);
      expect(await hotspot('node-3')).toBe(true);
      const cooled = await ticks(g, clock, GUARDIAN_DEFAULTS.coolSeconds / GUARDIAN_DEFAULTS.intervalSeconds);
      expect(cooled.flatMap((r) => r.outcomes)).toEqual([
        { kind: 'untaint', node: 'node-3', outcome: 'done' },
      ]);
      expect(await hotspot('node-3')).toBe(false);
      expect((await journal())[0]).toMatchObject({ state: 'reverted' });
    } finally {
      stop.abort();
    }
  });

  it('a taint that loses a race (the node changed under it: 422) is tried again on the next tick, not after the step cool-down', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    let raced = 0;
    // Someone else labels node-3 between the guardian's read and its first PATCH: the API server
    // itself rejects the PATCH, whose `test` of the resourceVersion no longer holds.
    const racing = (api: KubeApi): KubeApi => ({
      ...api,
      async send(method, path, body, contentType) {
        if (method === 'PATCH' && path === '/api/v1/nodes/node-3' && !raced++)
          expect(
            (
              await kubeRequest(
                cp,
                'PATCH',
                path,
                { metadata: { labels: { team: 'payments' } } },
                'application/merge-patch+json',
              )
            ).status,
          ).toBe(200);
        return api.send(method, path, body, contentType);
      },
    });
    const { g, stop } = await guardian('guardian-a', clock, usage, {}, racing);
    try {
      usage.cpu.set('node-3', 0.99);
      let first: Awaited<ReturnType<Guardian['tick']>>['outcomes'] = [];
      for (let i = 0; i < 16 && !first.length; i++) first = (await ticks(g, clock, 1))[0]!.outcomes;
      expect(first).toEqual([{ kind: 'taint', node: 'node-3', outcome: 'failed' }]);
      // the watch brings the labelled node; the very next tick taints it
      while (g.nodes.cache.get('node-3')?.metadata.labels.team !== 'payments')
        await new Promise((r) => setTimeout(r, 20));
      const [next] = await ticks(g, clock, 1);
      expect(next!.outcomes).toEqual([{ kind: 'taint', node: 'node-3', outcome: 'done' }]);
      expect(await hotspot('node-3')).toBe(true);
      expect((await node('node-3')).metadata.labels.team).toBe('payments'); // theirs kept
      expect((await journal()).filter((e) => e.action === 'taint')).toHaveLength(1);
      const failures = await g.metrics.actions.get();
      expect(failures.values.find((v) => v.labels.outcome === 'failed')?.value).toBe(1);
    } finally {
      stop.abort();
    }
  });

  it('during a fleet-wide surge only emits Events; a NotReady node is never touched; dry-run writes nothing', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const { g, stop } = await guardian('guardian-a', clock, usage);
    try {
      for (let i = 0; i < 6; i++) usage.cpu.set(`node-${i}`, 0.95);
      const surge = await ticks(g, clock, 14);
      expect(surge.flatMap((r) => r.outcomes).every((o) => o.kind === 'event')).toBe(true);
      expect(surge.at(-1)!.refused.map((r) => r.reason)).toEqual(Array(6).fill('fleet-surge'));
      for (let i = 0; i < NODES; i++) expect(await hotspot(`node-${i}`)).toBe(false);

      usage.cpu.clear();
      const n = await node('node-7');
      await kubeRequest(cp, 'PUT', '/api/v1/nodes/node-7/status', {
        ...n,
        status: { ...n.status, conditions: [{ type: 'Ready', status: 'False' }] },
      });
      usage.cpu.set('node-7', 0.99);
      await new Promise((r) => setTimeout(r, 300)); // the watch delivers the condition
      const notReady = await ticks(g, clock, 14);
      expect(notReady.at(-1)!.refused).toEqual([
        expect.objectContaining({ node: 'node-7', reason: 'hands-off', detail: 'NotReady' }),
      ]);
      expect(await hotspot('node-7')).toBe(false);
    } finally {
      stop.abort();
      await g.lease.release();
    }

    const dry = new TestClock();
    const u2 = new ScriptedUsage(dry);
    u2.cpu.set('node-2', 0.99);
    const d = await guardian('guardian-b', dry, u2, { dryRun: true });
    try {
      const out = await ticks(d.g, dry, 14);
      expect(out.flatMap((r) => r.outcomes)).toContainEqual({
        kind: 'taint',
        node: 'node-2',
        outcome: 'dry-run',
      });
      expect(await hotspot('node-2')).toBe(false);
    } finally {
      d.stop.abort();
    }
  });

  it('only the Lease holder acts; a paused leader makes no call after losing it; the next one continues from the journal', async () => {
    const clock = new TestClock();
    const usageA = new ScriptedUsage(clock);
    const usageB = new ScriptedUsage(clock);
    const a = await guardian('guardian-a', clock, usageA);
    const b = await guardian('guardian-b', clock, usageB);
    try {
      usageA.cpu.set('node-5', 0.95);
      usageB.cpu.set('node-5', 0.95);
      for (let i = 0; i < 14; i++) {
        clock.t += 10_000;
        await a.g.tick();
        expect((await b.g.tick()).leader).toBe(false);
      }
      expect(await hotspot('node-5')).toBe(true);
      expect(await journal()).toHaveLength(1);

      // A is paused in the middle of a tick (after renewing), past its lease; B takes over.
      usageA.cpu.set('node-8', 0.95);
      usageB.cpu.set('node-8', 0.95);
      let resume!: () => void;
      usageA.hold = new Promise((r) => (resume = r));
      clock.t += 10_000;
      const paused = a.g.tick();
      await new Promise((r) => setTimeout(r, 200));
      clock.t += 20_000;
      for (let i = 0; i < 2; i++) {
        clock.t += 10_000;
        await b.g.tick();
      }
      expect(await b.g.lease.holds()).toBe(true);
      const patchesBefore = cp
        .audit()
        .filter((e) => e.verb === 'patch' && e.user.username === 'guardian-a').length;
      resume();
      const late = await paused;
      const patchesAfter = cp
        .audit()
        .filter((e) => e.verb === 'patch' && e.user.username === 'guardian-a').length;
      expect(late.outcomes.filter((o) => o.outcome === 'done')).toEqual([]);
      expect(patchesAfter).toBe(patchesBefore);

      // B read A's journal: node-5's taint is A's and B reverts it when it cools; nothing is redone.
      usageB.cpu.set('node-5', 0.3);
      for (let i = 0; i < 14 + 60; i++) {
        clock.t += 10_000;
        await b.g.tick();
      }
      expect(await hotspot('node-5')).toBe(false);
      const entries = await journal();
      expect(entries.filter((e) => e.target === 'Node/node-5')).toEqual([
        expect.objectContaining({ actor: 'guardian-a', state: 'reverted' }),
      ]);
      expect(entries.filter((e) => e.target === 'Node/node-8' && e.action === 'taint')).toHaveLength(1);
    } finally {
      a.stop.abort();
      b.stop.abort();
    }
  });

  it('evicts through the Eviction API when the taint did not cool the node: protections kept, a PDB answered with 429 respected', async () => {
    kubectl(['create', 'namespace', 'shop']);
    const mk = async (
      name: string,
      o: { owner?: string; labels?: Record<string, string>; volumes?: unknown[]; requests?: boolean },
    ) => {
      const r = await kubeRequest(cp, 'POST', '/api/v1/namespaces/shop/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: 'shop',
          labels: o.labels ?? { app: name },
          ownerReferences: o.owner
            ? [
                {
                  apiVersion: 'apps/v1',
                  kind: o.owner,
                  name: `${name}-owner`,
                  uid: `uid-${name}`,
                  controller: true,
                },
              ]
            : [],
        },
        spec: {
          nodeName: 'node-4',
          containers: [
            {
              name: 'app',
              image: 'registry.example.com/app:1',
              ...(o.requests ? { resources: { requests: { cpu: '100m', memory: '256Mi' } } } : {}),
            },
          ],
          ...(o.volumes ? { volumes: o.volumes } : {}),
        },
      });
      expect(r.status).toBe(201);
    };
    await mk('batch-be', { owner: 'ReplicaSet' });
    await mk('agent', { owner: 'DaemonSet' });
    await mk('cache', { owner: 'ReplicaSet', volumes: [{ name: 'scratch', emptyDir: {} }] });
    await mk('guarded', { owner: 'ReplicaSet', requests: true });
    // a serving pod (Ready), so its budget counts it healthy and answers the eviction with 429
    const guarded = (await kubeRequest(cp, 'GET', '/api/v1/namespaces/shop/pods/guarded')).body;
    await kubeRequest(cp, 'PUT', '/api/v1/namespaces/shop/pods/guarded/status', {
      ...guarded,
      status: { ...guarded.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const pdb = await kubeRequest(cp, 'POST', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guarded', namespace: 'shop' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
    });
    await kubeRequest(cp, 'PUT', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/guarded/status', {
      ...pdb.body,
      status: {
        observedGeneration: pdb.body.metadata.generation,
        disruptionsAllowed: 0,
        currentHealthy: 1,
        desiredHealthy: 1,
        expectedPods: 1,
      },
    });

    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    usage.memory.set('node-4', 0.93);
    usage.podUse = new Map([
      ['shop/batch-be', { cpu: 0.1, memory: 2 ** 29 }],
      ['shop/agent', { cpu: 0.1, memory: 2 ** 30 }],
      ['shop/cache', { cpu: 0.1, memory: 2 ** 31 }],
      ['shop/guarded', { cpu: 0.1, memory: 2 ** 30 }],
    ]);
    const { g, stop } = await guardian('guardian-a', clock, usage);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the pod watch has the pods
      const first = await ticks(g, clock, 14);
      expect(first.flatMap((r) => r.outcomes)).toEqual([{ kind: 'taint', node: 'node-4', outcome: 'done' }]);
      expect(usage.podQueries).toEqual([]); // no victim is looked up while the step cool-down runs
      // still hot: after the step cool-down, the BestEffort pod goes — never the DaemonSet pod or the one with an emptyDir
      const second = await ticks(g, clock, 12);
      expect(second.flatMap((r) => r.outcomes)).toEqual([{ kind: 'evict', node: 'node-4', outcome: 'done' }]);
      expect(usage.podQueries).toEqual(['node-4']); // only on the tick the step was due
      const be = await kubeRequest(cp, 'GET', '/api/v1/namespaces/shop/pods/batch-be');
      expect(be.status === 404 || !!be.body.metadata.deletionTimestamp).toBe(true);
      expect((await journal()).filter((e) => e.action === 'evict')).toEqual([
        expect.objectContaining({ target: 'Pod/shop/batch-be', node: 'node-4', state: 'done' }),
      ]);
      await new Promise((r) => setTimeout(r, 300));
      // next: only `guarded` is left unprotected, and its PDB allows no disruption
      const third = await ticks(g, clock, 12);
      expect(third.flatMap((r) => r.outcomes)).toEqual([
        { kind: 'evict', node: 'node-4', outcome: 'refused' },
      ]);
      expect(usage.podQueries).toEqual(['node-4', 'node-4']);
      for (const name of ['agent', 'cache', 'guarded'])
        expect(
          (await kubeRequest(cp, 'GET', `/api/v1/namespaces/shop/pods/${name}`)).body.metadata
            .deletionTimestamp,
        ).toBeUndefined();
      const refusals = await g.metrics.refused.get();
      expect(refusals.values.find((v) => v.labels.reason === 'pdb')?.value).toBeGreaterThan(0);
    } finally {
      stop.abort();
      await g.lease.release();
    }
  });

  it('gives a container OOM-killed and running again more memory in place, through pods/resize (resize.test.ts has the rest)', async () => {
    kubectl(['create', 'namespace', 'oom']);
    await createRunningPod(cp, {
      namespace: 'oom',
      name: 'worker',
      node: 'node-6',
      containers: [{ name: 'app', requests: { memory: '512Mi' }, limits: { memory: '1Gi' } }],
    });
    const clock = new TestClock();
    await writeKubeletStatus(cp, 'oom', 'worker', {
      applied: true,
      oomKilled: { container: 'app', at: new Date(clock.t - 5 * 60_000) },
    });
    const { g, stop } = await guardian('guardian-a', clock, new ScriptedUsage(clock));
    try {
      const deadline = Date.now() + 10_000;
      while (!g.pods.cache.get('oom/worker')?.containers[0]?.oomAt && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const [first] = await ticks(g, clock, 1);
      expect(first!.resizes).toEqual([
        { kind: 'resize', pod: 'oom/worker', container: 'app', resource: 'memory', outcome: 'done' },
      ]);
      const worker = (await kubeRequest(cp, 'GET', '/api/v1/namespaces/oom/pods/worker')).body;
      expect(worker.spec.containers[0].resources).toEqual({
        requests: { memory: '640Mi' },
        limits: { memory: '1280Mi' },
      });
      expect((await journal()).filter((e) => e.action === 'resize')).toEqual([
        expect.objectContaining({
          target: 'Pod/oom/worker',
          why: 'OOM-killed 5 min ago and running again: memory limit 1Gi → 1280Mi, request 512Mi → 640Mi',
          revision: expect.objectContaining({ trigger: 'oom', uid: worker.metadata.uid }),
        }),
      ]);
    } finally {
      stop.abort();
      await g.lease.release();
    }
  });

  it('keeps watching through an API server restart', async () => {
    const clock = new TestClock();
    const { g, stop } = await guardian('guardian-c', clock, new ScriptedUsage(clock));
    try {
      const from = cp.audit().length;
      await cp.restartApiServer(500, { user: 'guardian-c', path: '/api/v1/nodes' });
      await new Promise((r) => setTimeout(r, 2000));
      restartWindow = [from, cp.audit().length];
      const created = await kubeRequest(cp, 'POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-late', labels: { pool: 'general' } },
      });
      expect(created.status).toBe(201);
      const deadline = Date.now() + 60_000;
      while (!g.nodes.cache.has('node-late') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(g.nodes.cache.has('node-late')).toBe(true);
      expect(g.nodes.stats.restarts).toBeGreaterThan(0);
      await kubeRequest(cp, 'DELETE', '/api/v1/nodes/node-late');
    } finally {
      stop.abort();
    }
  });

  it('uses every permission deploy/guardian grants but the ceiling writes (ceiling.test.ts), and was never refused one (runs last)', () => {
    const used = new Set<string>();
    for (const [i, e] of cp.audit().entries()) {
      if (!e.user.username.startsWith('guardian-') || e.stage !== 'ResponseComplete') continue;
      if (!e.objectRef) continue; // discovery (is KEDA / Crane installed?), open to every user
      if (i >= restartWindow[0] && i < restartWindow[1]) continue;
      expect([e.verb, e.objectRef?.resource, e.responseStatus?.code]).not.toEqual([
        e.verb,
        e.objectRef?.resource,
        403,
      ]);
      const sub = (e.objectRef as { subresource?: string } | undefined)?.subresource;
      used.add(`${e.objectRef?.resource}${sub ? `/${sub}` : ''}:${e.verb}`);
    }
    const granted = [
      'nodes:list',
      'nodes:watch',
      'nodes:patch',
      'pods:list',
      'pods:watch',
      // is the Koordinator / TKE component granted? (every user may ask)
      'selfsubjectaccessreviews:create',
      'horizontalpodautoscalers:list',
      'horizontalpodautoscalers:watch',
      'events:create',
      'pods/eviction:create',
      'pods/resize:patch',
      'leases:create',
      'leases:get',
      'leases:update',
      'configmaps:create',
      'configmaps:get',
      'configmaps:update',
    ];
    expect([...used].sort()).toEqual(granted.sort());
  });
});
