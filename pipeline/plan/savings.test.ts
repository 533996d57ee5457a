import { describeMonthlyEffect, savingsOf, formatMoney } from './savings.js';
import type { FieldProposal } from '../analyze/types.js';

describe('plan/savings', () => {
  it('says whether an effect saves or adds money, never a bare amount', () => {
    expect(describeMonthlyEffect(45.9, 'USD')).toBe('saves $45.90/month');
    expect(describeMonthlyEffect(-3.1, 'USD')).toBe('adds $3.10/month');
    expect(describeMonthlyEffect(1234.4, 'EUR')).toBe('saves €1234/month');
    // Rounds to nothing: no direction to state.
    expect(describeMonthlyEffect(0.004, 'USD')).toBe('no cost change');
    expect(describeMonthlyEffect(-0.004, 'USD')).toBe('no cost change');
    expect(formatMoney(-2, 'CHF')).toBe('-CHF 2.00');
  });

  it('prices only request fields, over every replica (hand-computed)', () => {
    const fields = [
      { quantity: { resource: 'cpu', role: 'request', current: 1000, proposed: 500 } },
      { quantity: { resource: 'memory', role: 'request', current: 2 * 2 ** 30, proposed: 2 ** 30 } },
      { quantity: { resource: 'cpu', role: 'limit', current: 2000, proposed: 500 } },
    ] as unknown as FieldProposal[];
    const s = savingsOf(fields, 3, { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' });
    // 0.5 core × 3 replicas × 0.031 × 730 h = 33.945; 1 GiB × 3 × 0.0042 × 730 = 9.198
    expect(s.cores).toBeCloseTo(1.5, 10);
    expect(s.cpu).toBeCloseTo(33.945, 9);
    expect(s.memory).toBeCloseTo(9.198, 9);
    expect(describeMonthlyEffect(s.total, 'USD')).toBe('saves $43.14/month');
  });
});
