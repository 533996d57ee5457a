import { podTier } from './tiers.js';

const pod = (o: {
  labels?: Record<string, string>;
  priority?: number;
  priorityClassName?: string;
  qosClass?: string;
}) => ({
  labels: o.labels ?? {},
  priority: o.priority,
  priorityClassName: o.priorityClassName,
  qosClass: o.qosClass,
});

describe('quality tiers, as Koordinator assigns them', () => {
  it('reads the koordinator.sh/priority-class label first, then the priority band, then QoS', () => {
    // the label wins over a prod-band priority value
    expect(podTier(pod({ labels: { 'koordinator.sh/priority-class': 'koord-mid' }, priority: 9500 }))).toBe(
      'mid',
    );
    expect(podTier(pod({ priority: 9000 }))).toBe('high');
    expect(podTier(pod({ priority: 7999 }))).toBe('mid');
    expect(podTier(pod({ priority: 5500 }))).toBe('batch');
    // koord-free lends from the batch pool
    expect(podTier(pod({ priority: 3000 }))).toBe('batch');
    expect(podTier(pod({ priorityClassName: 'koord-free' }))).toBe('batch');
    // outside every band (system-cluster-critical, 0): the QoS class decides, prod unless BE
    expect(podTier(pod({ priority: 2000000000, qosClass: 'Burstable' }))).toBe('high');
    expect(podTier(pod({ priority: 0, labels: { 'koordinator.sh/qosClass': 'BE' } }))).toBe('batch');
    expect(podTier(pod({ qosClass: 'BestEffort' }))).toBe('batch');
    expect(podTier(pod({}))).toBe('high');
  });

  it("reads a cluster's tier label before Koordinator's rules, and falls through on a value it does not know", () => {
    const label = 'example.com/tier';
    expect(podTier(pod({ labels: { [label]: 'Mid' }, priority: 9500 }), label)).toBe('mid');
    expect(podTier(pod({ labels: { [label]: 'koord-batch' } }), label)).toBe('batch');
    expect(podTier(pod({ labels: { [label]: 'gold' }, priority: 7500 }), label)).toBe('mid');
    // not an inherited object key
    expect(podTier(pod({ labels: { [label]: 'toString' } }), label)).toBe('high');
    // without the setting the label means nothing
    expect(podTier(pod({ labels: { [label]: 'batch' } }))).toBe('high');
  });
});
