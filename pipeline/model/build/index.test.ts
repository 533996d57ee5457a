import {
  modelOf,
  deploymentWithPods,
  deployment,
  pod,
  container,
  hpa,
  node,
} from '../../testing/model-fixtures.js';
import { buildClusterModel, podWorkload, podBase, usageRequestFor } from './index.js';
import type { KubeObject } from '../../collect/types.js';

describe('model/build', () => {
  it('resolves pods to their Deployment through ReplicaSets, and StatefulSet/DaemonSet pods directly', () => {
    const sts = deployment('db', 'shop', { kind: 'StatefulSet', replicas: 1 });
    const ds = deployment('agent', 'kube-system', { kind: 'DaemonSet' });
    const m = modelOf([
      ...deploymentWithPods('web', 'shop', { replicas: 3 }),
      sts,
      pod('db-0', 'shop', { kind: 'StatefulSet', name: 'db' }),
      ds,
      pod('agent-x1y2z', 'kube-system', { kind: 'DaemonSet', name: 'agent' }),
      node('node-1'),
    ]);
    expect(m.workloads.get('Deployment/shop/web')!.podNames).toHaveLength(3);
    expect(m.workloads.has('ReplicaSet/shop/web-7d9f8c6b5')).toBe(false);
    expect(m.pods.get('shop/db-0')!.workload).toBe('StatefulSet/shop/db');
    expect(m.pods.get('kube-system/agent-x1y2z')!.isDaemonSet).toBe(true);
    expect(m.workloads.get('DaemonSet/kube-system/agent')!.replicas).toBeUndefined();
  });

  it('parses quantities once and keeps the raw strings; native sidecars are sidecars', () => {
    const d = deployment('web', 'shop', {
      containers: [container({ name: 'web', cpu: '1', memory: '1Gi', cpuLimit: '2' })],
    });
    (d.spec as { template: { spec: { initContainers?: unknown[] } } }).template.spec.initContainers = [
      { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      { name: 'migrate', resources: {} },
    ];
    const w = modelOf([d]).workloads.get('Deployment/shop/web')!;
    expect(w.template.containers[0]).toMatchObject({
      requests: { cpu: 1000, memory: 2 ** 30 },
      limits: { cpu: 2000 },
      rawRequests: { cpu: '1', memory: '1Gi' },
    });
    expect(w.template.initContainers.map((c) => c.role)).toEqual(['sidecar', 'init']);
  });

  it('names the object and field of a bad quantity', () => {
    const d = deployment('web', 'shop', { containers: [container({ name: 'web', cpu: 'lots' })] });
    expect(() => modelOf([d])).toThrow(
      /Deployment shop\/web: spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: not a Kubernetes quantity: "lots"/,
    );
  });

  it('refuses a negative quantity, naming the file, the object and the field', () => {
    const d = deployment('web', 'shop', { containers: [container({ name: 'web', memory: '-1' })] });
    const n = node('node-1', { cpu: '-4' });
    const origins = new WeakMap([
      [d, { file: 'deployments.yaml', source: 'snapshot' }],
      [n, { file: 'nodes.yaml', source: 'snapshot' }],
    ]);
    const build = (o: KubeObject) =>
      buildClusterModel({ objects: [o], origins, facts: {} }, { cluster: 'test', at: 0 });
    expect(() => build(d)).toThrow(
      'deployments.yaml: Deployment shop/web: spec.template.spec.containers[0].resources.requests.memory: a memory quantity cannot be negative: "-1"',
    );
    expect(() => build(n)).toThrow(
      'nodes.yaml: Node node-1: status.capacity.cpu: a cpu quantity cannot be negative: "-4"',
    );
  });

  it('records OOM kills from lastState, links HPAs and the objects that own them', () => {
    const h = hpa('keda-hpa-web', 'shop', 'web', { cpuUtilization: 70 });
    h.metadata.ownerReferences = [
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'web', controller: true },
    ];
    const objs: KubeObject[] = [...deploymentWithPods('web', 'shop', { replicas: 1 }), h];
    (objs[2]!.status as { containerStatuses: unknown[] }).containerStatuses = [
      {
        name: 'web',
        ready: true,
        restartCount: 2,
        lastState: { terminated: { reason: 'OOMKilled', finishedAt: '2027-01-15T08:00:00Z' } },
      },
    ];
    const m = modelOf(objs);
    expect(m.ooms).toEqual([
      expect.objectContaining({
        namespace: 'shop',
        container: 'web',
        time: Date.parse('2027-01-15T08:00:00Z') / 1000,
        source: 'snapshot',
      }),
    ]);
    expect(m.hpas[0]).toMatchObject({
      workload: 'Deployment/shop/web',
      ownedBy: { kind: 'ScaledObject', name: 'web' },
      metrics: [{ resource: 'cpu', averageUtilization: 70 }],
    });
  });

  it('attributes pods that no longer exist to the live workload by name, and lists containers to read', () => {
    const m = modelOf([
      ...deploymentWithPods('web', 'shop', { replicas: 1 }),
      deployment('db', 'shop', { kind: 'StatefulSet' }),
    ]);
    expect(podWorkload(m, 'shop', 'web-5c4b3a2d1-zzzzz')).toBe('Deployment/shop/web');
    expect(podWorkload(m, 'shop', 'db-3')).toBe('StatefulSet/shop/db');
    expect(podWorkload(m, 'shop', 'unknown-1')).toBeUndefined();
    expect(podBase('web-7d9f8c6b5-x2k4q')).toBe('web');
    expect(usageRequestFor(m, { start: 0, end: 300, step: 300 }).containers).toEqual([
      { namespace: 'shop', pod: 'web-7d9f8c6b5-aaaaa', container: 'web' },
    ]);
  });
});
