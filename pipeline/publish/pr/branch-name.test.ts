import { branchName, slugify } from './branch-name.js';
import { groupKeyOf } from './grouping.js';

describe('publish/pr/branch-name', () => {
  it('keeps short names as they are', () => {
    expect(slugify('shop-Deployment-web')).toBe('shop-deployment-web');
    expect(branchName('tidemark/', 'Demo', 'shop-deployment-web')).toBe('tidemark/demo/shop-deployment-web');
  });

  it('gives two long names sharing their first 80 characters different branches, at most 80 characters each', () => {
    const stem = 'payments-settlement-reconciliation-batch-processor-for-the-european-region-';
    const a = `Deployment/shop/${stem}primary`;
    const b = `Deployment/shop/${stem}secondary`;
    const sa = groupKeyOf(a, 'workload').slug;
    const sb = groupKeyOf(b, 'workload').slug;
    expect(sa).not.toBe(sb);
    expect(sa.slice(0, 60)).toBe(sb.slice(0, 60));
    for (const s of [sa, sb]) {
      expect(s.length).toBeLessThanOrEqual(80);
      expect(s).toMatch(/^shop-deployment-payments-[a-z0-9.-]*-[0-9a-f]{8}$/);
    }
    // Deterministic: the same name gives the same branch every run.
    expect(groupKeyOf(a, 'workload').slug).toBe(sa);
    // Exactly 80 characters is not truncated, so it gets no digest.
    expect(slugify('x'.repeat(80))).toBe('x'.repeat(80));
    expect(slugify('x'.repeat(81))).toMatch(/^x{71}-[0-9a-f]{8}$/);
  });
});
