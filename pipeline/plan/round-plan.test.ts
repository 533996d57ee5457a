import { roundPlanDocument, roundSavings, roundTo } from './round-plan.js';
import { prettyJsonChunks } from '../core/json-chunks.js';
import type { PlanDocument } from './plan-document.js';

describe('plan/round-plan', () => {
  it('rounds each unit to its precision (the figures the demo printed unrounded)', () => {
    expect(roundTo('millicores', 20.499999999999986)).toBe(20.5);
    expect(roundTo('millicores', 43.10125000000001)).toBe(43.1);
    expect(roundTo('bytes', 43101250.00000001)).toBe(43101250);
    expect(roundTo('bytes', 215785635.88227358)).toBe(215785636);
    expect(roundTo('money', 1.587749994860217)).toBe(1.59);
    expect(roundTo('number', 1.3551)).toBe(1.3551);
    expect(roundTo('number', 2.5885327295823526)).toBe(2.5885);
    // below 1, four significant digits: a small share is not rounded away
    expect(roundTo('number', 0.00012346)).toBe(0.0001235);
    expect(roundTo('number', 0.123456)).toBe(0.1235);
    for (const unit of ['millicores', 'bytes', 'money', 'number'] as const) {
      expect(roundTo(unit, 3)).toBe(3);
      expect(roundTo(unit, NaN)).toBeNaN();
    }
  });

  it("keeps a saving's total the sum of its rounded parts", () => {
    // 1.004 + 1.004 = 2.008 would round to 2.01, but the parts shown are 1.00 and 1.00.
    expect(
      roundSavings({ cpu: 1.004, memory: 1.004, total: 2.008, cores: 1.6600000000000004, bytes: 1.5 }),
    ).toEqual({ cpu: 1, memory: 1, total: 2, cores: 1.66, bytes: 2 });
  });

  it('rounds plan.json by field: usage in millicores and bytes, the headline by its unit, the rest to 4 decimals', () => {
    const reports = [{ analyzer: 'scaledown', title: 't', data: { nodes: [{ requestedShare: 0.044 }] } }];
    const doc = {
      apiVersion: 'tidemark.io/v1alpha1',
      kind: 'Plan',
      prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' },
      clusters: [
        {
          recommendations: [
            {
              evidence: {
                unit: 'bytes',
                peak: 2328561652.758689,
                lower: 248512512,
                upper: 2869952512.4,
                usage: {
                  cpu: { p50: 20.499999999999986, max: 864.0000224113464 },
                  memory: { p50: 215785635.88227358, max: 2246044416 },
                },
                cpu: { target: 925, lower: 25.04, statistic: 'P90 of 5-minute CPU' },
                memory: { target: 2678063104.2, lower: 248512512 },
                confidence: { days: 13.999999, level: 'high' },
              },
              savings: { cpu: 0, memory: 1.55096484375, total: 1.55096484375, cores: 0, bytes: 543162368 },
              details: { peakDemand: 3.551 },
            },
            {
              evidence: { peak: 2.5885327295823526 },
              savings: { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 },
            },
          ],
          summary: {
            savings: {
              cpu: 37.5658,
              memory: 8.617136695906522,
              total: 46.18,
              cores: 1.6600000000000004,
              bytes: 0,
            },
          },
          reports,
        },
      ],
      run: { stagesMs: { plan: 12 } },
    } as unknown as PlanDocument;
    const out = roundPlanDocument(doc) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const [a, b] = out.clusters[0].recommendations;
    expect(a.evidence).toEqual({
      unit: 'bytes',
      peak: 2328561653,
      lower: 248512512,
      upper: 2869952512,
      usage: { cpu: { p50: 20.5, max: 864 }, memory: { p50: 215785636, max: 2246044416 } },
      cpu: { target: 925, lower: 25, statistic: 'P90 of 5-minute CPU' },
      memory: { target: 2678063104, lower: 248512512 },
      confidence: { days: 14, level: 'high' },
    });
    expect(a.savings).toEqual({ cpu: 0, memory: 1.55, total: 1.55, cores: 0, bytes: 543162368 });
    // without a unit (an HPA's replica demand) the headline peak is a plain number
    expect(b.evidence.peak).toBe(2.5885);
    expect(out.clusters[0].summary.savings).toEqual({
      cpu: 37.57,
      memory: 8.62,
      total: 46.19,
      cores: 1.66,
      bytes: 0,
    });
    // nothing changed in place, and what needed no rounding is not copied
    expect((doc as any).clusters[0].recommendations[0].evidence.peak).toBe(2328561652.758689); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(out.clusters[0].reports).toBe(reports);
    // the chunked writer still writes exactly JSON.stringify of what it is given
    expect([...prettyJsonChunks(out)].join('')).toBe(JSON.stringify(out, null, 2));
  });
});
