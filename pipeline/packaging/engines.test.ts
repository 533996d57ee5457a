/**
 * package.json's engines is true: every package the lock installs (tools included: CI installs
 * them) accepts the lowest Node of each supported major, CI runs each of those majors, and the
 * images run a supported one. (`.ci/run` also installs with --engine-strict on the Node it runs.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../core/json-schema.js';

const root = packageRoot();
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');

type Version = [number, number, number];

function version(v: string): Version {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(v.trim());
  if (!m) throw new Error(`not a version: "${v}"`);
  const n = (s: string | undefined) => (s === undefined || s === 'x' || s === '*' ? 0 : Number(s));
  return [n(m[1]), n(m[2]), n(m[3])];
}
const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of an npm range, as the engines fields of this lock write them. */
function satisfiesOne(v: Version, c: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(c.trim())!;
  const [op, raw] = [m[1] ?? '', m[2]!];
  if (raw === '*' || raw === 'x') return true;
  const parts = raw.split('.').length;
  const b = version(raw);
  switch (op) {
    case '>=':
      return cmp(v, b) >= 0;
    case '>':
      return cmp(v, b) > 0;
    case '<':
      return cmp(v, b) < 0;
    case '<=':
      return cmp(v, b) <= 0;
    case '^':
      return cmp(v, b) >= 0 && (b[0] > 0 ? v[0] === b[0] : v[0] === 0 && v[1] === b[1]);
    case '~':
      return cmp(v, b) >= 0 && v[0] === b[0] && (parts === 1 || v[1] === b[1]);
    default: // "20", "20.x", "=20.1.0"
      return v[0] === b[0] && (parts < 2 || /x|\*/.test(raw.split('.')[1]!) || v[1] === b[1]);
  }
}

function satisfies(v: string, range: string): boolean {
  const ver = version(v);
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => satisfiesOne(ver, c)),
  );
}

const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
/** The lowest version of each major the engines admit: "^20.19.0 || … || >=24" → 20.19.0, …, 24.0.0. */
const floors = engines.split('||').map((alt) => /(\d+(?:\.\d+){0,2})/.exec(alt)![1]!);

describe('supported Node versions', () => {
  it('the range reader reads the forms the lock uses', () => {
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('22.0.0', '>=22')).toBe(true);
    expect(satisfies('20.15.0', '>= 20.16.0')).toBe(false);
    expect(satisfies('21.0.0', '^18.18.0 || ^20.9.0 || >=21.1.0')).toBe(false);
    expect(satisfies('20.9.0', '^18.18.0 || ^20.9.0 || >=21.1.0')).toBe(true);
    expect(satisfies('22.12.0', '^20.19.0 || ^22.13.0 || >=24')).toBe(false);
    expect(satisfies('14.17.0', '>=14.17 <15 || >=16')).toBe(true);
    expect(satisfies('15.0.0', '>=14.17 <15 || >=16')).toBe(false);
    expect(satisfies('16.3.0', '16.x || 18.x')).toBe(true);
    expect(satisfies('20.0.0', '~20.1.0')).toBe(false);
    expect(floors).toEqual(['20.19.0', '22.13.0', '24']);
  });

  it('every package the lock installs accepts the lowest Node of each supported major', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = !path || Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (!range) continue;
      for (const floor of floors)
        if (!satisfies(floor, range))
          refused.push(`${path.replace(/.*node_modules\//, '')}@${p.version} (${range}) refuses ${floor}`);
    }
    expect(refused).toEqual([]);
  });

  it('CI runs every supported major, and the images a supported one', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as {
      jobs: { test: { strategy: { matrix: { node: number[] } } } };
    };
    const majors = ci.jobs.test.strategy.matrix.node;
    for (const m of majors) expect(satisfies(`${m}.99.0`, engines)).toBe(true);
    // the bounded majors, and the first of the open-ended range
    for (const f of floors) expect(majors).toContain(Number(f.split('.')[0]));
    expect(majors).toEqual([...majors].sort((a, b) => a - b));
    for (const f of ['deploy/pipeline/Dockerfile', 'deploy/guardian/Dockerfile'])
      for (const m of read(f).matchAll(/^FROM node:(\d+)-/gm))
        expect(satisfies(`${m[1]}.99.0`, engines)).toBe(true);
  });
});
