/**
 * A fleet-sized plan for the report's scale test and benchmark: `workloads` Deployments over two
 * clusters, 40 namespaces each, eight teams, a usage series per workload (a daily cycle with noise)
 * and a right-sizing recommendation for two in five, seeded so every run builds the same bytes.
 */
import { prng } from '../core/prng.js';
import type { PlanDocument } from '../plan/plan-document.js';
import {
  cluster,
  FLEET_NOW,
  FLEET_PRICES,
  inventoryWorkload,
  planDocument,
  rec,
  resourcePath,
} from './plan-fixtures.js';

const DAY = 86400;

export function largePlan(workloads: number, seed = 7): PlanDocument {
  const rand = prng(seed);
  const clusters = ['fleet-eu', 'fleet-us'].map((name, ci) => {
    const inv = [];
    const recs = [];
    const count = Math.floor(workloads / 2) + (ci === 0 ? workloads % 2 : 0);
    for (let i = 0; i < count; i++) {
      const ns = `team${i % 8}-ns${i % 40}`;
      const wname = `svc-${i}`;
      const workload = `Deployment/${ns}/${wname}`;
      const replicas = 1 + Math.floor(rand() * 6);
      const cpu = [0.1, 0.25, 0.5, 1, 2][Math.floor(rand() * 5)]!;
      const memoryGiB = [0.25, 0.5, 1, 2, 4][Math.floor(rand() * 5)]!;
      const use = 0.2 + rand() * 0.7;
      const phase = rand() * 24;
      inv.push(
        inventoryWorkload({
          workload,
          replicas,
          cpu,
          memoryGiB,
          team: `team-${i % 8}`,
          ...(i % 17 === 0 ? { core: 'annotation tidemark.io/core=true' } : {}),
          usage: {
            cpuP95: cpu * replicas * use,
            cpuPeak: cpu * replicas * use * 1.3,
            memoryGiBP95: memoryGiB * replicas * use,
            memoryGiBPeak: memoryGiB * replicas * use * 1.1,
          },
          ooms: i % 97 === 0 ? 1 : 0,
          throttledDays: i % 89 === 0 ? 2 : 0,
          series: {
            end: FLEET_NOW,
            cpu: (p) =>
              cpu *
              replicas *
              use *
              (0.6 + 0.4 * Math.sin(((p + phase) / 12) * Math.PI)) *
              (0.9 + 0.2 * rand()),
            memoryGiB: () => memoryGiB * replicas * use * (0.95 + 0.05 * rand()),
          },
        }),
      );
      if (i % 5 < 2) {
        const proposed = Math.max(0.05, Math.round(cpu * use * 1.2 * 100) / 100);
        recs.push(
          rec({
            workload,
            subject: `container ${wname}`,
            fields: [
              {
                path: resourcePath(wname, 'requests', 'cpu'),
                current: String(cpu),
                proposed: `${Math.round(proposed * 1000)}m`,
              },
            ],
            savings: {
              cpu: (cpu - proposed) * replicas * FLEET_PRICES.cpuCoreHour * 730,
              cores: (cpu - proposed) * replicas,
            },
            risk: i % 3 === 0 ? 'medium' : 'low',
            render: { status: 'rendered', files: [`clusters/${name}/${ns}/${wname}.yaml`] },
          }),
        );
      }
    }
    const c = cluster(name, recs);
    return {
      ...c,
      at: new Date(FLEET_NOW * 1000).toISOString(),
      window: {
        start: new Date((FLEET_NOW - 14 * DAY) * 1000).toISOString(),
        end: new Date(FLEET_NOW * 1000).toISOString(),
        step: 300,
      },
      inventory: {
        prices: {
          source: 'config' as const,
          currency: 'USD',
          cpuCoreHour: FLEET_PRICES.cpuCoreHour,
          memoryGiBHour: FLEET_PRICES.memoryGiBHour,
        },
        nodes: {
          count: 200,
          spot: 0,
          cpuCores: 6400,
          memoryBytes: 25600 * 2 ** 30,
          monthly: 200 * 32 * 36.5,
        },
        workloads: inv,
      },
    };
  });
  return planDocument(clusters, { prices: FLEET_PRICES });
}
