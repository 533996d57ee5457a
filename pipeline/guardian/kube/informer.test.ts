/**
 * The informer's LIST on a real kube-apiserver: read in pages through `continue` (one snapshot),
 * then watched from the snapshot's version, so nothing created between pages is lost.
 */
import { startControlPlane, type ControlPlane } from '../../testing/control-plane/index.js';
import { kubeRequest } from '../../testing/control-plane/seed.js';
import { describeWithControlPlane } from '../../testing/kube-tier.js';
import { allowSlowTests } from '../../testing/slow.js';
import { silentLogger } from '../../core/logger.js';
import { systemClock } from '../../core/clock.js';
import { connect } from '../../collect/kubernetes/connect.js';
import { createKubeApi } from './api.js';
import { Informer } from './informer.js';

allowSlowTests();

describeWithControlPlane()('guardian/informer on a real kube-apiserver', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
    await kubeRequest(cp, 'POST', '/api/v1/namespaces', { metadata: { name: 'paged' } });
    for (let i = 0; i < 7; i++)
      await kubeRequest(cp, 'POST', '/api/v1/namespaces/paged/configmaps', {
        metadata: { name: `cm-${i}` },
        data: { i: String(i) },
      });
  });
  afterAll(async () => cp?.stop());

  it('lists in pages, keeps only trimmed objects, and watches from the snapshot', async () => {
    const api = createKubeApi(await connect({ kubeconfig: cp.kubeconfig } as never));
    const trim = (raw: unknown) => {
      const o = raw as { metadata: { name: string; namespace: string; resourceVersion: string } };
      return {
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          resourceVersion: o.metadata.resourceVersion,
        },
      };
    };
    const inf = new Informer(
      api,
      '/api/v1/namespaces/paged/configmaps',
      trim,
      systemClock,
      silentLogger,
      () => {},
      90_000,
      3,
    );
    const stop = new AbortController();
    try {
      await inf.start(stop.signal);
      expect([...inf.cache.keys()].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `paged/cm-${i}`));
      expect(inf.stats.lists).toBe(1);
      const pages = cp
        .audit()
        .filter(
          (e) =>
            e.verb === 'list' &&
            e.objectRef?.resource === 'configmaps' &&
            e.objectRef.namespace === 'paged' &&
            e.stage === 'ResponseComplete',
        );
      expect(pages).toHaveLength(3);
      expect(pages.map((e) => /continue=/.test(e.requestURI))).toEqual([false, true, true]);
      expect(pages.every((e) => /limit=3/.test(e.requestURI))).toBe(true);
      await kubeRequest(cp, 'POST', '/api/v1/namespaces/paged/configmaps', { metadata: { name: 'late' } });
      const deadline = Date.now() + 10_000;
      while (!inf.cache.has('paged/late') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(inf.cache.has('paged/late')).toBe(true);
      expect(inf.cache.get('paged/cm-0')).toEqual({
        metadata: { name: 'cm-0', namespace: 'paged', resourceVersion: expect.any(String) },
      });
    } finally {
      stop.abort();
    }
  });
});
