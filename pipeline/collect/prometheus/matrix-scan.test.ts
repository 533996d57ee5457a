import fc from 'fast-check';
import { scanRangeResponse, ScanError } from './matrix-scan.js';

/** What JSON.parse makes of the same bytes, in the scanner's shape. */
function reference(text: string) {
  const doc = JSON.parse(text) as {
    data?: { result?: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  const result = doc.data?.result?.map((s) => ({
    metric: s.metric,
    times: s.values.map(([t]) => t),
    values: s.values.map(([, v]) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v))),
  }));
  if (doc.data?.result) doc.data.result = []; // the envelope keeps an empty result in its place
  return { doc, result };
}

const sampleValue = fc.oneof(
  fc.integer({ min: -1e6, max: 1e12 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.constantFrom(
    'NaN',
    '+Inf',
    '-Inf',
    '0',
    '-0',
    '1e-05',
    '2.5E+3',
    '0.30000000000000004',
    '123456789012345678',
  ),
);
const timestamp = fc.oneof(
  fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((ms) => ms / 1000),
);
const labels = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ maxLength: 20 }), // quotes, backslashes, brackets and non-ASCII included
  { maxKeys: 5 },
);
const response = fc.record({
  status: fc.constant('success'),
  data: fc.record({
    resultType: fc.constant('matrix'),
    result: fc.array(
      fc.record({ metric: labels, values: fc.array(fc.tuple(timestamp, sampleValue), { maxLength: 30 }) }),
      { maxLength: 6 },
    ),
    stats: fc.record({ samples: fc.record({ totalQueryableSamples: fc.nat() }) }),
  }),
  warnings: fc.option(fc.array(fc.string(), { minLength: 1, maxLength: 2 }), { nil: undefined }),
});

describe('collect/prometheus scanRangeResponse', () => {
  it('reads exactly what JSON.parse reads, compact or indented, whatever the labels and values', () => {
    fc.assert(
      fc.property(response, fc.boolean(), (r, indent) => {
        const text = JSON.stringify(r, null, indent ? 2 : undefined);
        const got = scanRangeResponse(Buffer.from(text));
        const want = reference(text);
        expect(got.envelope).toEqual(want.doc);
        expect(
          got.result!.map((s) => ({ metric: s.metric, times: [...s.times], values: [...s.values] })),
        ).toEqual(want.result);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps key order free (values before metric) and ignores members it does not use', () => {
    const text =
      '{"status":"success","data":{"stats":{},"result":[{"values":[[1790000000,"12"],[1790000300.5,"NaN"]],"histograms":[[1,{"count":"1"}]],"metric":{"pod":"a"}}],"resultType":"matrix"}}';
    const got = scanRangeResponse(Buffer.from(text));
    expect(got.result).toHaveLength(1);
    expect(got.result![0]!.metric).toEqual({ pod: 'a' });
    expect([...got.result![0]!.times]).toEqual([1790000000, 1790000300.5]);
    expect(got.result![0]!.values[0]).toBe(12);
    expect(got.result![0]!.values[1]).toBeNaN();
    expect(got.envelope.data?.resultType).toBe('matrix');
  });

  it('an error body has no result; a truncated or foreign body is an error, not a guess', () => {
    const err = scanRangeResponse(
      Buffer.from(
        '{"status":"error","errorType":"execution","error":"query processing would load too many samples"}',
      ),
    );
    expect(err.result).toBeUndefined();
    expect(err.envelope.errorType).toBe('execution');
    const full =
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]]}]}}';
    for (let cut = 1; cut < full.length; cut++)
      expect(() => scanRangeResponse(Buffer.from(full.slice(0, cut)))).toThrow();
    expect(() => scanRangeResponse(Buffer.from('<html>502 Bad Gateway</html>'))).toThrow(ScanError);
    expect(() =>
      scanRangeResponse(
        Buffer.from(
          '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x1"]]}]}}',
        ),
      ),
    ).toThrow(/not a sample value/);
  });
});
