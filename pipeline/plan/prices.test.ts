import { buildClusterModel } from '../model/build/index.js';
import { deployment, inventory, node, pod, replicaSet } from '../testing/model-fixtures.js';
import { configPrices, nodePrice, openCostPrices, workloadPrice } from './prices.js';
import { savingsOf } from './savings.js';

const PRICES = { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' };

function model() {
  const d = deployment('web', 'shop', { replicas: 2 });
  const rs = replicaSet(d);
  const owner = { kind: 'ReplicaSet', name: rs.metadata.name };
  return buildClusterModel(
    inventory([
      node('spot-1'),
      node('od-1'),
      d,
      rs,
      pod('web-7d9f8c6b5-aaaaa', 'shop', owner, { node: 'spot-1' }),
      pod('web-7d9f8c6b5-bbbbb', 'shop', owner, { node: 'od-1' }),
    ]),
    { cluster: 'prod', at: 0 },
  );
}

describe('plan/prices', () => {
  it("prices a workload at the mean of its pods' nodes, a node without a price of its own at config's", () => {
    const m = model();
    const prices = openCostPrices(
      PRICES,
      { nodes: [{ node: 'spot-1', cpuCoreHour: 0.011, memoryGiBHour: 0.0012, spot: true }], queries: [] },
      m,
    );
    expect(prices.unpriced).toEqual(['od-1']);
    expect(nodePrice(prices, 'od-1')).toEqual(PRICES);
    // (0.011 + 0.031) / 2 and (0.0012 + 0.0042) / 2
    const p = workloadPrice(m, prices, 'Deployment/shop/web');
    expect(p.cpuCoreHour).toBeCloseTo(0.021, 12);
    expect(p.memoryGiBHour).toBeCloseTo(0.0027, 12);
    // A saving is priced the same way: 1 core freed on each of 2 replicas, 730 h a month.
    const s = savingsOf(
      [
        {
          object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
          path: [],
          quantity: { resource: 'cpu', role: 'request', container: 'web', current: 1500, proposed: 500 },
        },
      ],
      2,
      p,
    );
    expect(s.cpu).toBeCloseTo(2 * 0.021 * 730, 9);
  });

  it('prices everything at config when the source is config', () => {
    const m = model();
    expect(workloadPrice(m, configPrices(PRICES), 'Deployment/shop/web')).toEqual(PRICES);
    expect(configPrices(PRICES, 'why').note).toBe('why');
  });
});
