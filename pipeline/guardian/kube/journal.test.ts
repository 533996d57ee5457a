/**
 * The journal on a real kube-apiserver: steps taken side by side in one tick share ConfigMap
 * writes instead of queueing one read-modify-write each, and none is lost.
 */
import { startControlPlane, type ControlPlane } from '../../testing/control-plane/index.js';
import { kubeRequest } from '../../testing/control-plane/seed.js';
import { describeWithControlPlane } from '../../testing/kube-tier.js';
import { allowSlowTests } from '../../testing/slow.js';
import { connect } from '../../collect/kubernetes/connect.js';
import { createKubeApi } from './api.js';
import { Journal } from './journal.js';

allowSlowTests();

describeWithControlPlane()('guardian/journal on a real kube-apiserver', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
    await kubeRequest(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'tidemark' } });
  });
  afterAll(async () => cp?.stop());

  it('coalesces concurrent updates into few writes and keeps every entry', async () => {
    const api = createKubeApi(await connect({ kubeconfig: cp.kubeconfig } as never));
    const journal = new Journal(api, 'tidemark');
    await journal.load();
    const entry = (i: number) => ({
      id: `e-${i}`,
      at: 1_790_000_000 + i,
      actor: 'test',
      action: 'taint' as const,
      target: `Node/node-${i}`,
      why: 'hot',
      state: 'active' as const,
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => journal.update((es) => es.push(entry(i)))));
    const writes = cp
      .audit()
      .filter(
        (e) =>
          e.objectRef?.resource === 'configmaps' &&
          e.objectRef.namespace === 'tidemark' &&
          (e.verb === 'create' || e.verb === 'update'),
      );
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(2); // the first write, then everything queued behind it

    const fresh = new Journal(api, 'tidemark');
    await fresh.load();
    expect(fresh.entries.map((e) => e.id).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `e-${i}`).sort(),
    );

    // A change that throws fails its own caller only; the one written with it is kept.
    const results = await Promise.allSettled([
      journal.update(() => {
        throw new Error('bad change');
      }),
      journal.update((es) => es.push(entry(99))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    await fresh.load();
    expect(fresh.entries.some((e) => e.id === 'e-99')).toBe(true);
  });
});
