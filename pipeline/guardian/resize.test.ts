/**
 * In-place resize on a real kube-apiserver, as a user bound only to deploy/guardian's roles. No
 * kubelet runs here: every call the guardian makes goes through pods/resize and is accepted or
 * refused by the real API server, and the test writes the status a kubelet would write (in
 * progress, done, Deferred, Infeasible) and checks the guardian's answer to each. Time is a test
 * clock advanced one interval (10 s) per tick; the working sets come from a scripted source.
 */
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import {
  kubectlFor,
  prepareGuardianCluster,
  readJournal,
  ScriptedUsage,
  TestClock,
} from '../testing/guardian-cluster.js';
import { createRunningPod, writeKubeletStatus, type TestContainer } from '../testing/kubelet-status.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { allowSlowTests } from '../testing/slow.js';
import { createMemoryLogger, silentLogger } from '../core/logger.js';
import { connect } from '../collect/kubernetes/connect.js';
import { createKubeApi, type KubeApi } from './kube/api.js';
import { Guardian, type TickResult } from './controller.js';
import { Gate } from './gate.js';
import { GUARDIAN_DEFAULTS, type GuardianSettings } from './settings.js';
import type { ResizeIntent } from './decide-resize.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const Mi = 2 ** 20;
const G: GuardianSettings = { ...GUARDIAN_DEFAULTS, poolLabel: 'pool' };
const burstable: TestContainer = {
  name: 'app',
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { memory: '1Gi' },
};
const guaranteed: TestContainer = {
  name: 'app',
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { cpu: '500m', memory: '1Gi' },
};

describeWithControlPlane()('guardian: in-place resize on a real kube-apiserver', () => {
  let cp: ControlPlane;
  const get = async (path: string) => (await kubeRequest(cp, 'GET', path)).body;
  const pod = (ns: string, name: string) => get(`/api/v1/namespaces/${ns}/pods/${name}`);
  const resources = async (ns: string, name: string, c = 0) =>
    (await pod(ns, name)).spec.containers[c].resources;
  const journal = async () => (await readJournal(cp)) as any[];
  const events = async (ns: string) =>
    ((await get(`/api/v1/namespaces/${ns}/events`)).items as any[]).map((e) => [
      e.involvedObject.name,
      e.reason,
      e.message,
    ]);
  /** The resize calls the API server served for a user: pod, response code, dry run or not. */
  const resizeCalls = (user: string, namespace?: string) =>
    cp
      .audit()
      .filter(
        (e: any) =>
          e.user.username === user &&
          e.objectRef?.resource === 'pods' &&
          e.objectRef?.subresource === 'resize' &&
          (namespace === undefined || e.objectRef.namespace === namespace),
      )
      .map((e: any) => [e.verb, e.objectRef.name, e.responseStatus?.code, /dryRun=All/.test(e.requestURI)]);

  async function guardian(identity: string, over: Partial<GuardianSettings> = {}, wrap = (a: KubeApi) => a) {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const settings = { ...G, ...over, resize: { ...G.resize, ...over.resize } };
    const api = wrap(createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor(identity) } as any)));
    const g = new Guardian({ api, usage, clock, logger: silentLogger, settings, identity, leaseSeconds: 15 });
    const stop = new AbortController();
    await g.start(stop.signal);
    const ticks = async (n: number): Promise<TickResult[]> => {
      const out: TickResult[] = [];
      for (let i = 0; i < n; i++) {
        clock.t += settings.intervalSeconds * 1000;
        out.push(await g.tick());
      }
      return out;
    };
    return { g, clock, usage, settings, api, stop, ticks };
  }
  /** The watch delivers what the test (the kubelet) just wrote. */
  const settle = async (g: Guardian, ns: string, name: string, ok: (p: any) => boolean) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const p = g.pods.cache.get(`${ns}/${name}`);
      if (p && ok(p)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the pod watch did not deliver ${ns}/${name}`);
  };
  const resizes = (rs: TickResult[]) => rs.flatMap((r) => r.resizes);

  async function reset() {
    await kubeRequest(cp, 'DELETE', '/api/v1/namespaces/tidemark/configmaps/tidemark-guardian-journal');
    await kubeRequest(
      cp,
      'DELETE',
      '/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian',
    );
  }

  beforeAll(async () => {
    cp = await startControlPlane({ users: { 'guardian-r': [], 'guardian-s': [] } });
    await prepareGuardianCluster(cp, ['guardian-r', 'guardian-s'], 4);
    const kubectl = kubectlFor(cp);
    for (const ns of ['shop', 'api', 'batch', 'infra']) kubectl(['create', 'namespace', ns]);
    await kubeRequest(cp, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'latency-critical' },
      value: 1000,
    });
  });

  afterAll(async () => {
    await cp?.stop();
  });

  beforeEach(reset);

  it('raises memory through pods/resize once the p20 is over 90 % of the limit, follows the kubelet, and rolls it back when the working set falls', async () => {
    await createRunningPod(cp, {
      namespace: 'shop',
      name: 'web-7d9c8f-x2x4q',
      node: 'node-0',
      containers: [burstable],
      owner: { kind: 'ReplicaSet', name: 'web-7d9c8f', hash: '7d9c8f' },
    });
    const r = await guardian('guardian-r');
    try {
      await settle(r.g, 'shop', 'web-7d9c8f-x2x4q', () => true);
      r.usage.workingSet.set('shop/web-7d9c8f-x2x4q/app', 960 * Mi); // 94 % of 1Gi
      // Followed from the first tick (t+10 s); judged once followed 0.8 × 120 = 96 s: the 11th tick.
      expect(resizes(await r.ticks(10))).toEqual([]);
      expect(resizes(await r.ticks(1))).toEqual([
        {
          kind: 'resize',
          pod: 'shop/web-7d9c8f-x2x4q',
          container: 'app',
          resource: 'memory',
          outcome: 'done',
        },
      ]);
      expect(resizeCalls('guardian-r', 'shop')).toEqual([['patch', 'web-7d9c8f-x2x4q', 200, false]]);
      const after = await pod('shop', 'web-7d9c8f-x2x4q');
      expect(after.spec.containers[0].resources).toEqual({
        requests: { cpu: '250m', memory: '640Mi' },
        limits: { memory: '1280Mi' },
      });
      expect(after.status.qosClass).toBe('Burstable');
      const [entry] = await journal();
      expect(entry).toMatchObject({
        action: 'resize',
        target: 'Pod/shop/web-7d9c8f-x2x4q',
        actor: 'guardian-r',
        state: 'active',
        revision: {
          uid: after.metadata.uid,
          container: 'app',
          resource: 'memory',
          direction: 'raise',
          trigger: 'working-set',
          before: { limit: '1Gi', request: '512Mi' },
          after: { limit: '1280Mi', request: '640Mi' },
          node: 'node-0',
          workload: 'Deployment/web',
          generation: after.metadata.generation,
          status: 'requested',
        },
      });
      expect(entry.why).toBe(
        'working set p20 over 120 s is 94 % of its 1Gi limit (threshold 90 %): memory limit 1Gi → 1280Mi, request 512Mi → 640Mi',
      );
      expect(await events('shop')).toContainEqual([
        'web-7d9c8f-x2x4q',
        'MemoryRaised',
        `app: limit 1Gi → 1280Mi, request 512Mi → 640Mi in place: ${entry.why}`,
      ]);
      await settle(r.g, 'shop', 'web-7d9c8f-x2x4q', (p) => p.containers[0].memoryLimit === 1280 * Mi);

      // No answer yet: it waits. The kubelet starts it (in progress), then reports it applied.
      expect(resizes(await r.ticks(1))).toEqual([]);
      await writeKubeletStatus(cp, 'shop', 'web-7d9c8f-x2x4q', { inProgress: {} });
      await settle(r.g, 'shop', 'web-7d9c8f-x2x4q', (p) => !!p.resizeInProgress);
      await r.ticks(1);
      expect((await journal())[0].revision.status).toBe('in-progress');
      await writeKubeletStatus(cp, 'shop', 'web-7d9c8f-x2x4q', { applied: true });
      await settle(r.g, 'shop', 'web-7d9c8f-x2x4q', (p) => !p.resizeInProgress && !p.containers[0].applied);
      await r.ticks(1);
      expect((await journal())[0].revision.status).toBe('done');
      expect((await events('shop')).map((e) => e[1])).toEqual(
        expect.arrayContaining(['MemoryRaised', 'ResizeInProgress', 'Resized']),
      );
      expect((await r.g.metrics.revisionsOpen.get()).values[0]!.value).toBe(1);

      // 960Mi is 75 % of the new limit: no second step. The working set falls to 500Mi. The
      // window's p80 (rank 8.8 of twelve) is 960Mi with nine 500Mi samples (500 + 0.8 × 460 = 868Mi,
      // over 80 % of the old 1Gi = 819Mi) and 500Mi with ten: clear after 10 ticks; then the
      // cool-down (600 s, 60 ticks), then the raise is rolled back.
      r.usage.workingSet.set('shop/web-7d9c8f-x2x4q/app', 500 * Mi);
      const falling = await r.ticks(10 + 60 - 1);
      expect(resizes(falling)).toEqual([]);
      expect(resizes(await r.ticks(1))).toEqual([
        {
          kind: 'rollback',
          pod: 'shop/web-7d9c8f-x2x4q',
          container: 'app',
          resource: 'memory',
          outcome: 'done',
        },
      ]);
      expect(await resources('shop', 'web-7d9c8f-x2x4q')).toEqual({
        requests: { cpu: '250m', memory: '512Mi' },
        limits: { memory: '1Gi' },
      });
      expect((await journal())[0]).toMatchObject({
        state: 'reverted',
        revision: { status: 'done', rollback: { outcome: 'done' } },
      });
      expect((await events('shop')).map((e) => e[1])).toContain('ResizeRolledBack');
    } finally {
      r.stop.abort();
      await r.g.lease.release();
    }
  });

  it('gives up at once on Infeasible and after 300 s on Deferred, putting the old values back', async () => {
    for (const name of ['cart', 'search'])
      await createRunningPod(cp, { namespace: 'shop', name, node: 'node-1', containers: [burstable] });
    const r = await guardian('guardian-r');
    try {
      await settle(r.g, 'shop', 'search', () => true);
      r.usage.workingSet.set('shop/cart/app', 1000 * Mi);
      r.usage.workingSet.set('shop/search/app', 1000 * Mi);
      const raised = resizes(await r.ticks(11));
      expect(raised.map((o) => [o.pod, o.outcome]).sort()).toEqual([
        ['shop/cart', 'done'],
        ['shop/search', 'done'],
      ]);
      r.usage.workingSet.clear();
      for (const name of ['cart', 'search'])
        await settle(r.g, 'shop', name, (p) => p.containers[0].memoryLimit === 1280 * Mi);
      await writeKubeletStatus(cp, 'shop', 'search', {
        pending: {
          reason: 'Infeasible',
          message: "Node didn't have enough capacity: memory, requested: 671088640, capacity: 536870912",
        },
      });
      await writeKubeletStatus(cp, 'shop', 'cart', {
        pending: { reason: 'Deferred', message: "Node didn't have enough resource: memory" },
      });
      await settle(r.g, 'shop', 'search', (p) => !!p.resizePending);
      await settle(r.g, 'shop', 'cart', (p) => !!p.resizePending);
      expect(resizes(await r.ticks(1))).toEqual([
        { kind: 'give-up', pod: 'shop/search', container: 'app', resource: 'memory', outcome: 'done' },
      ]);
      expect(await resources('shop', 'search')).toEqual(burstableResources());
      const search = (await journal()).find((e) => e.target === 'Pod/shop/search');
      expect(search).toMatchObject({
        state: 'reverted',
        revision: { status: 'infeasible', rollback: { outcome: 'done' } },
      });
      expect(search.revision.message).toMatch(
        /^the kubelet says Infeasible: Node didn't have enough capacity/,
      );
      expect(await events('shop')).toContainEqual([
        'search',
        'ResizeInfeasible',
        `app: limit 1280Mi → 1Gi, request 640Mi → 512Mi: given up: ${search.revision.message}`,
      ]);
      expect((await journal()).find((e) => e.target === 'Pod/shop/cart').revision.status).toBe('deferred');
      // The metrics: one revision open, deferred by the kubelet.
      const pending = async () =>
        Object.fromEntries(
          (await r.g.metrics.resizePending.get()).values.map((v) => [v.labels.state, v.value]),
        );
      const open = async () => (await r.g.metrics.revisionsOpen.get()).values[0]!.value;
      expect(await pending()).toEqual({ requested: 0, 'in-progress': 0, deferred: 1 });
      expect(await open()).toBe(1);

      // Deferred since the tick above: given up 300 s (30 ticks) later, not before.
      expect(resizes(await r.ticks(29))).toEqual([]);
      expect(resizes(await r.ticks(1))).toEqual([
        { kind: 'give-up', pod: 'shop/cart', container: 'app', resource: 'memory', outcome: 'done' },
      ]);
      expect(await resources('shop', 'cart')).toEqual(burstableResources());
      expect((await journal()).find((e) => e.target === 'Pod/shop/cart')).toMatchObject({
        state: 'reverted',
        revision: { status: 'timeout' },
      });
      const infeasible = await r.g.metrics.resizeInfeasible.get();
      expect(infeasible.values[0]!.value).toBe(1);
      expect(await pending()).toEqual({ requested: 0, 'in-progress': 0, deferred: 0 });
      expect(await open()).toBe(0);
      const outcomes = (await r.g.metrics.resizes.get()).values
        .map((v) => [v.labels.outcome, v.value])
        .sort();
      expect(outcomes).toEqual([
        ['done', 2],
        ['infeasible', 1],
        ['timeout', 1],
      ]);
    } finally {
      r.stop.abort();
      await r.g.lease.release();
    }
  });

  it("the API server's refusals: a change of QoS class, a limit under its request, an old kubelet, a replaced pod; a Guaranteed pod raised whole; resizePolicy RestartContainer only when allowed", async () => {
    await createRunningPod(cp, { namespace: 'api', name: 'db', node: 'node-2', containers: [guaranteed] });
    await createRunningPod(cp, { namespace: 'api', name: 'web', node: 'node-2', containers: [burstable] });
    await createRunningPod(cp, {
      namespace: 'api',
      name: 'best',
      node: 'node-2',
      containers: [{ name: 'app' }],
    });
    await createRunningPod(cp, {
      namespace: 'api',
      name: 'legacy',
      node: 'node-2',
      containers: [burstable],
      reportResources: false,
    });
    await createRunningPod(cp, {
      namespace: 'api',
      name: 'restarts',
      node: 'node-2',
      containers: [
        { ...burstable, resizePolicy: [{ resourceName: 'memory', restartPolicy: 'RestartContainer' }] },
      ],
    });
    const r = await guardian('guardian-r', {
      resize: { ...G.resize, caps: { perNodePerHour: 20, perNamespacePerMinute: 20 } },
    });
    try {
      await r.ticks(1); // leads
      await settle(r.g, 'api', 'restarts', () => true);
      const gate = new Gate(r.api, r.g.lease, r.g.journal, r.settings, r.clock, silentLogger, r.g.metrics);
      const call = async (name: string, o: Partial<ResizeIntent>) => {
        const p = r.g.pods.cache.get(`api/${name}`)!;
        return gate.executeResize({
          kind: 'resize',
          pod: `api/${name}`,
          uid: p.metadata.uid!,
          node: 'node-2',
          container: 'app',
          index: 0,
          resource: 'memory',
          direction: 'raise',
          trigger: 'working-set',
          before: {},
          values: {},
          limitsMap: p.containers[0]!.limitsMap,
          requestsMap: p.containers[0]!.requestsMap,
          why: 'test',
          ...o,
        });
      };
      // A Guaranteed pod's limit without its request would make it Burstable.
      expect(await call('db', { before: { limit: '1Gi' }, values: { limit: '1280Mi' } })).toBe('refused');
      // A limit under the request.
      expect(await call('web', { before: { limit: '1Gi' }, values: { limit: '256Mi' } })).toBe('refused');
      // A memory limit on a BestEffort pod would make it Burstable.
      expect(await call('best', { values: { limit: '256Mi' } })).toBe('refused');
      // A kubelet that reports no resources cannot resize.
      expect(await call('legacy', { before: { limit: '1Gi' }, values: { limit: '1280Mi' } })).toBe('refused');
      // The pod was replaced under the same name: the UID test fails.
      expect(await call('web', { uid: 'uid-of-a-pod-long-gone', values: { limit: '1280Mi' } })).toBe(
        'refused',
      );
      const refusals = (await journal()).filter((e) => e.state === 'refused');
      expect(refusals.map((e) => [e.target, e.revision.message])).toEqual([
        ['Pod/api/db', expect.stringMatching(/Pod QOS Class may not change as a result of resizing/)],
        ['Pod/api/web', expect.stringMatching(/must be less than or equal to memory limit/)],
        ['Pod/api/best', expect.stringMatching(/Pod QOS Class may not change as a result of resizing/)],
        ['Pod/api/legacy', expect.stringMatching(/Pod running on node without support for resize/)],
        [
          'Pod/api/web',
          expect.stringMatching(/UID or the container at its index is not what the guardian decided on/),
        ],
      ]);
      expect(resizeCalls('guardian-r', 'api').map((c) => c[2])).toEqual([422, 422, 422, 422, 422]);
      expect((await events('api')).filter((e) => e[1] === 'ResizeRefused')).toHaveLength(5);
      expect(await resources('api', 'db')).toEqual(guaranteedResources());
      expect(await resources('api', 'web')).toEqual(burstableResources());

      // The guardian's own path: a Guaranteed pod gets request and limit together and stays
      // Guaranteed; a RestartContainer memory policy is refused before any call …
      r.usage.workingSet.set('api/db/app', 1000 * Mi);
      r.usage.workingSet.set('api/restarts/app', 1000 * Mi);
      // (db's refused call above started its 120 s cool-down: judged at 110 s, raised at 120 s)
      const out = await r.ticks(12);
      expect(resizes(out)).toEqual([
        { kind: 'resize', pod: 'api/db', container: 'app', resource: 'memory', outcome: 'done' },
      ]);
      expect(out.at(-1)!.resizeRefused).toEqual([
        {
          container: 'api/restarts/app',
          reason: 'restart',
          detail:
            'resizePolicy RestartContainer on memory: a resize restarts it (resize.allowRestart is off)',
        },
      ]);
      const db = await pod('api', 'db');
      expect(db.spec.containers[0].resources).toEqual({
        requests: { cpu: '500m', memory: '1280Mi' },
        limits: { cpu: '500m', memory: '1280Mi' },
      });
      expect(db.status.qosClass).toBe('Guaranteed');
      expect(resizeCalls('guardian-r', 'api').filter((c) => c[1] === 'restarts')).toEqual([]);
      // … and when a policy allows the restart, the API server takes it (the kubelet restarts it).
      r.settings.resize.allowRestart = true;
      expect(resizes(await r.ticks(1))).toEqual([
        { kind: 'resize', pod: 'api/restarts', container: 'app', resource: 'memory', outcome: 'done' },
      ]);
      expect((await resources('api', 'restarts')).limits).toEqual({ memory: '1280Mi' });
    } finally {
      r.stop.abort();
      await r.g.lease.release();
    }
  });

  it('brakes: the namespace cap, never a DaemonSet, mirror or sick-node pod, the Lease re-read before the call, dry-run on the same path', async () => {
    for (const name of ['a', 'b', 'c'])
      await createRunningPod(cp, { namespace: 'batch', name, node: 'node-3', containers: [burstable] });
    await createRunningPod(cp, {
      namespace: 'infra',
      name: 'agent',
      node: 'node-3',
      containers: [burstable],
      owner: { kind: 'DaemonSet', name: 'agent' },
    });
    await createRunningPod(cp, {
      namespace: 'infra',
      name: 'static-node-3',
      node: 'node-3',
      containers: [burstable],
      annotations: { 'kubernetes.io/config.mirror': 'abc123' },
    });
    await createRunningPod(cp, { namespace: 'infra', name: 'sick', node: 'node-1', containers: [burstable] });
    const n1 = await get('/api/v1/nodes/node-1');
    await kubeRequest(cp, 'PUT', '/api/v1/nodes/node-1/status', {
      ...n1,
      status: { ...n1.status, conditions: [{ type: 'Ready', status: 'False' }] },
    });

    // Dry-run first: the same call with dryRun=All, admitted by the API server, nothing stored.
    const d = await guardian('guardian-s', { dryRun: true });
    try {
      await settle(d.g, 'infra', 'sick', () => true);
      d.usage.workingSet.set('batch/a/app', 1000 * Mi);
      const dry = resizes(await d.ticks(11 + 5));
      expect(dry).toEqual([
        { kind: 'resize', pod: 'batch/a', container: 'app', resource: 'memory', outcome: 'dry-run' },
      ]);
      expect(resizeCalls('guardian-s')).toEqual([['patch', 'a', 200, true]]);
      expect(await resources('batch', 'a')).toEqual(burstableResources());
      expect((await journal()).filter((e) => e.action === 'resize')).toEqual([]);
    } finally {
      d.stop.abort();
      await d.g.lease.release();
    }

    const r = await guardian('guardian-r', {
      resize: { ...G.resize, caps: { perNodePerHour: 6, perNamespacePerMinute: 2 } },
    });
    try {
      await settle(r.g, 'infra', 'sick', () => true);
      for (const k of ['batch/a', 'batch/b', 'batch/c', 'infra/agent', 'infra/static-node-3', 'infra/sick'])
        r.usage.workingSet.set(`${k}/app`, 1000 * Mi);
      const first = await r.ticks(11);
      expect(
        resizes(first)
          .map((o) => [o.pod, o.outcome])
          .sort(),
      ).toEqual([
        ['batch/a', 'done'],
        ['batch/b', 'done'],
        ['batch/c', 'refused'],
      ]);
      expect(
        first
          .at(-1)!
          .resizeRefused.map((x) => [x.container, x.reason, x.detail])
          .sort(),
      ).toEqual([
        ['infra/agent/app', 'protected', 'a DaemonSet pod'],
        ['infra/sick/app', 'hands-off', 'node node-1: NotReady'],
        ['infra/static-node-3/app', 'protected', 'a static (mirror) pod'],
      ]);
      const caps = await r.g.metrics.refused.get();
      expect(caps.values.find((v) => v.labels.reason === 'cap-namespace')?.value).toBe(1);
      // 70 s later the namespace has room again (the two raises are no longer within a minute)
      const later = resizes(await r.ticks(7));
      expect(later.filter((o) => o.outcome === 'done').map((o) => o.pod)).toEqual(['batch/c']);

      // The Lease is read again right before the call: a leader that lost it while paused makes none.
      await createRunningPod(cp, {
        namespace: 'infra',
        name: 'late',
        node: 'node-2',
        containers: [burstable],
      });
      await settle(r.g, 'infra', 'late', () => true);
      r.usage.workingSet.set('infra/late/app', 1000 * Mi);
      await r.ticks(10);
      let resume!: () => void;
      r.usage.hold = new Promise((res) => (resume = res));
      r.clock.t += 10_000;
      const paused = r.g.tick();
      await new Promise((res) => setTimeout(res, 200));
      await kubeRequest(
        cp,
        'PUT',
        '/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian',
        {
          ...(await get('/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian')),
          spec: {
            holderIdentity: 'someone-else',
            leaseDurationSeconds: 15,
            renewTime: new Date(r.clock.t).toISOString().replace('Z', '000Z'),
          },
        },
      );
      const calls = resizeCalls('guardian-r').length;
      resume();
      const late = await paused;
      expect(late.resizes).toEqual([
        { kind: 'resize', pod: 'infra/late', container: 'app', resource: 'memory', outcome: 'lost-lease' },
      ]);
      expect(resizeCalls('guardian-r')).toHaveLength(calls);
      expect(await resources('infra', 'late')).toEqual(burstableResources());
    } finally {
      r.stop.abort();
    }
  });

  it('on a node hot on CPU, after the taint: a batch limit comes down and a throttled latency-critical container gets more; all put back when the node cools', async () => {
    const n1 = await get('/api/v1/nodes/node-1');
    await kubeRequest(cp, 'PUT', '/api/v1/nodes/node-1/status', {
      ...n1,
      status: { ...n1.status, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await createRunningPod(cp, {
      namespace: 'batch',
      name: 'crunch',
      node: 'node-1',
      containers: [
        { name: 'app', requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '4', memory: '1Gi' } },
      ],
    });
    await createRunningPod(cp, {
      namespace: 'api',
      name: 'checkout',
      node: 'node-1',
      priorityClassName: 'latency-critical',
      containers: [
        { name: 'app', requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      ],
    });
    const r = await guardian('guardian-r');
    try {
      await settle(r.g, 'api', 'checkout', () => true);
      r.usage.cpu.set('node-1', 0.95);
      r.usage.containerUse.set('batch/crunch/app', { cores: 3.2, throttled: 0 });
      r.usage.containerUse.set('api/checkout/app', { cores: 1, throttled: 0.4 });
      const first = await r.ticks(14);
      expect(first.flatMap((t) => t.outcomes)).toEqual([{ kind: 'taint', node: 'node-1', outcome: 'done' }]);
      // Still hot after the step cool-down (120 s): resize in place, no eviction.
      const step = await r.ticks(12);
      expect(step.flatMap((t) => t.outcomes)).toEqual([
        { kind: 'resize', node: 'node-1', outcome: 'done' },
        { kind: 'resize', node: 'node-1', outcome: 'done' },
      ]);
      expect(r.usage.podQueries).toEqual([]); // no victim looked up
      expect(await resources('batch', 'crunch')).toEqual({
        requests: { cpu: '500m', memory: '256Mi' },
        limits: { cpu: '2400m', memory: '1Gi' },
      });
      expect(await resources('api', 'checkout')).toEqual({
        requests: { cpu: '1250m', memory: '1Gi' },
        limits: { cpu: '1250m', memory: '1Gi' },
      });
      expect((await pod('api', 'checkout')).status.qosClass).toBe('Guaranteed');
      const steps = (await journal()).filter((e) => e.action === 'resize');
      expect(
        steps.map((e) => [e.target, e.node, e.revision.trigger, e.revision.before, e.revision.after]),
      ).toEqual([
        ['Pod/batch/crunch', 'node-1', 'cpu-hot', { limit: '4' }, { limit: '2400m' }],
        [
          'Pod/api/checkout',
          'node-1',
          'throttled',
          { limit: '1', request: '1' },
          { limit: '1250m', request: '1250m' },
        ],
      ]);
      for (const [ns, name] of [
        ['batch', 'crunch'],
        ['api', 'checkout'],
      ]) {
        await writeKubeletStatus(cp, ns!, name!, { applied: true });
        await settle(r.g, ns!, name!, (p) => !p.containers[0].applied);
      }
      await r.ticks(1);
      expect((await journal()).filter((e) => e.action === 'resize').map((e) => e.revision.status)).toEqual([
        'done',
        'done',
      ]);

      // Cool for 600 s: the taint goes and both steps are put back.
      r.usage.cpu.set('node-1', 0.4);
      const cooling = await r.ticks(14 + 60);
      expect(cooling.flatMap((t) => t.outcomes)).toEqual([
        { kind: 'untaint', node: 'node-1', outcome: 'done' },
      ]);
      expect(
        resizes(cooling)
          .map((o) => [o.kind, o.pod, o.outcome])
          .sort(),
      ).toEqual([
        ['rollback', 'api/checkout', 'done'],
        ['rollback', 'batch/crunch', 'done'],
      ]);
      expect((await resources('batch', 'crunch')).limits.cpu).toBe('4');
      expect(await resources('api', 'checkout')).toEqual({
        requests: { cpu: '1', memory: '1Gi' },
        limits: { cpu: '1', memory: '1Gi' },
      });
    } finally {
      r.stop.abort();
      await r.g.lease.release();
    }
  });

  it('a rollback the API server refuses is journaled and left alone; the per-node cap counts raises per node per hour', async () => {
    for (const ns of ['shop', 'api', 'batch'])
      await createRunningPod(cp, { namespace: ns, name: 'tea', node: 'node-0', containers: [burstable] });
    await createRunningPod(cp, { namespace: 'infra', name: 'tea', node: 'node-2', containers: [burstable] });
    const r = await guardian('guardian-r', {
      resize: { ...G.resize, caps: { perNodePerHour: 2, perNamespacePerMinute: 20 } },
    });
    try {
      await settle(r.g, 'infra', 'tea', () => true);
      for (const ns of ['shop', 'api', 'batch', 'infra']) r.usage.workingSet.set(`${ns}/tea/app`, 1000 * Mi);
      // Four raises due in one tick: two on node-0 pass its cap of 2 per hour, the third waits;
      // node-2's is counted on its own.
      const first = resizes(await r.ticks(11));
      expect(first.map((o) => [o.pod.split('/')[1], o.outcome]).sort()).toEqual([
        ['tea', 'done'],
        ['tea', 'done'],
        ['tea', 'done'],
        ['tea', 'refused'],
      ]);
      const refusedPod = first.find((o) => o.outcome === 'refused')!.pod;
      expect(refusedPod).not.toBe('infra/tea');
      const caps = await r.g.metrics.refused.get();
      expect(caps.values.find((v) => v.labels.reason === 'cap-node')?.value).toBe(1);
      // Still capped on the next tick (the hour is not over).
      expect(resizes(await r.ticks(1)).filter((o) => o.pod === refusedPod)).toEqual([
        { kind: 'resize', pod: refusedPod, container: 'app', resource: 'memory', outcome: 'refused' },
      ]);
      expect(
        resizeCalls('guardian-r')
          .filter((c) => c[1] === 'tea')
          .map((c) => c[2]),
      ).toEqual([200, 200, 200]);
      for (const ns of ['shop', 'api', 'batch', 'infra']) r.usage.workingSet.delete(`${ns}/tea/app`);

      // infra/tea's raise is carried out; then its node's kubelet is replaced by one too old to
      // report resources: the API server refuses the rollback.
      await settle(r.g, 'infra', 'tea', (p) => p.containers[0].memoryLimit === 1280 * Mi);
      await writeKubeletStatus(cp, 'infra', 'tea', { applied: true });
      await settle(r.g, 'infra', 'tea', (p) => !p.containers[0].applied);
      await r.ticks(1);
      const raised = (await journal()).find((e) => e.target === 'Pod/infra/tea');
      expect(raised.revision.status).toBe('done');
      await writeKubeletStatus(cp, 'infra', 'tea', { reportResources: false });
      r.usage.workingSet.set('infra/tea/app', 500 * Mi);
      const back = resizes(await r.ticks(12 + 60)).filter((o) => o.pod === 'infra/tea');
      expect(back).toEqual([
        { kind: 'rollback', pod: 'infra/tea', container: 'app', resource: 'memory', outcome: 'refused' },
      ]);
      const refused = (await journal()).find((e) => e.id === raised.id);
      expect(refused).toMatchObject({
        state: 'superseded',
        revision: { rollback: { outcome: 'refused' } },
      });
      expect(refused.revision.rollback.message).toMatch(/Pod running on node without support for resize/);
      expect(refused.why).toMatch(/rollback refused by the API server: .*without support for resize/);
      expect((await events('infra')).filter((e) => e[1] === 'ResizeRollbackRefused')).toEqual([
        [
          'tea',
          'ResizeRollbackRefused',
          expect.stringMatching(
            /^app: memory limit 1280Mi → 1Gi, request 640Mi → 512Mi refused by the API server: /,
          ),
        ],
      ]);
      const rolled = await r.g.metrics.resizes.get();
      expect(rolled.values.find((v) => v.labels.outcome === 'rollback-refused')?.value).toBe(1);
      // Left alone: the raise stays, no call is tried again, nothing is open.
      const calls = resizeCalls('guardian-r', 'infra').length;
      expect(resizes(await r.ticks(70)).filter((o) => o.pod === 'infra/tea')).toEqual([]);
      expect(resizeCalls('guardian-r', 'infra')).toHaveLength(calls);
      expect((await resources('infra', 'tea')).limits).toEqual({ memory: '1280Mi' });
    } finally {
      r.stop.abort();
      await r.g.lease.release();
    }
  });

  it('used exactly the resize permission deploy/guardian grants, and was never refused it (runs last)', () => {
    const used = new Set<string>();
    for (const e of cp.audit() as any[]) {
      if (!e.user.username.startsWith('guardian-') || !e.objectRef) continue;
      expect(e.responseStatus?.code).not.toBe(403);
      if (e.objectRef.subresource) used.add(`${e.objectRef.resource}/${e.objectRef.subresource}:${e.verb}`);
    }
    expect([...used].sort()).toEqual(['pods/resize:patch']);
  });
});

describeWithControlPlane()('guardian: a cluster without pods/resize', () => {
  it('reads it from discovery, says so once, and never resizes', async () => {
    const cp = await startControlPlane({
      users: { 'guardian-o': [] },
      apiServerArgs: ['--feature-gates=InPlacePodVerticalScaling=false'],
    }).catch((err: Error) => err);
    if (cp instanceof Error) {
      // From 1.35 the feature is GA and locked on: the gate can no longer be turned off.
      expect(cp.message).toMatch(
        /cannot set feature gate InPlacePodVerticalScaling to false, feature is locked to true/,
      );
      return;
    }
    try {
      await prepareGuardianCluster(cp, ['guardian-o'], 1);
      const logger = createMemoryLogger('info');
      const clock = new TestClock();
      const usage = new ScriptedUsage(clock);
      let asked = 0;
      const counting = Object.assign(Object.create(usage), {
        containerMemory: async () => {
          asked++;
          return new Map();
        },
      });
      const g = new Guardian({
        api: createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor('guardian-o') } as any)),
        usage: counting,
        clock,
        logger,
        settings: G,
        identity: 'guardian-o',
      });
      const stop = new AbortController();
      await g.start(stop.signal);
      for (let i = 0; i < 3; i++) {
        clock.t += 10_000;
        await g.tick();
      }
      stop.abort();
      const version = (await kubeRequest(cp, 'GET', '/version')).body.gitVersion;
      expect(g.resizeSupport).toEqual({
        ok: false,
        why: `Kubernetes ${version} does not serve pods/resize (the InPlacePodVerticalScaling feature gate is off)`,
      });
      expect(
        logger
          .records()
          .filter((l) => String(l.msg).startsWith('in-place resize'))
          .map((l) => [l.msg, l.why]),
      ).toEqual([['in-place resize off', (g.resizeSupport as { why: string }).why]]);
      expect(asked).toBe(0);
    } finally {
      await cp.stop();
    }
  });
});

function burstableResources() {
  return { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } };
}
function guaranteedResources() {
  return { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } };
}
