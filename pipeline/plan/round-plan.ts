/**
 * The one place plan.json's numbers get their precision, each as its unit deserves: millicores to
 * 0.1 m, bytes to whole bytes, money to cents, and any other number that is not whole (ratios,
 * fractions, cores, replicas) to 4 decimals, or 4 significant digits below 1 so a small value
 * never rounds to nothing. The units are named in schemas/tidemark/plan.schema.json.
 *
 * Nothing is changed in place: a container is copied only when a number inside it changes, so the
 * large, already-rounded reports are neither copied nor held twice.
 */
import type { PlanDocument } from './plan-document.js';
import type { Savings } from './savings.js';

export type Unit = 'millicores' | 'bytes' | 'money' | 'number';

export function roundTo(unit: Unit, x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  switch (unit) {
    case 'millicores':
      return Math.round(x * 10) / 10;
    case 'bytes':
      return Math.round(x);
    case 'money':
      return Math.round(x * 100) / 100;
    case 'number':
      return Math.abs(x) < 1 ? Number(x.toPrecision(4)) : Math.round(x * 1e4) / 1e4;
  }
}

/** Money to cents, and the total the sum of the parts shown, never a cent apart from them. */
export function roundSavings(s: Savings): Savings {
  const cpu = roundTo('money', s.cpu);
  const memory = roundTo('money', s.memory);
  return {
    cpu,
    memory,
    total: roundTo('money', cpu + memory),
    cores: roundTo('number', s.cores),
    bytes: roundTo('bytes', s.bytes),
  };
}

/**
 * Where a unit applies: a unit covers every number below it; an object names its keys ('[]' for
 * an array's items); a function decides from the value and the object holding it. Anything not
 * named is a plain number.
 */
type UnitTree =
  Unit | { [key: string]: UnitTree } | ((value: unknown, holder: Record<string, unknown>) => unknown);

/** Rightsize's headline peak and band are in the unit the evidence names. */
const headline: UnitTree = (v, holder) =>
  typeof v === 'number'
    ? roundTo(holder.unit === 'millicores' || holder.unit === 'bytes' ? holder.unit : 'number', v)
    : roundTree(v, 'number');

const savings: UnitTree = (v) => roundSavings(v as Savings);

const band = (unit: Unit): UnitTree => ({ target: unit, lower: unit, upper: unit });

const PLAN_UNITS: UnitTree = {
  clusters: {
    '[]': {
      recommendations: {
        '[]': {
          evidence: {
            usage: { cpu: 'millicores', memory: 'bytes' },
            cpu: band('millicores'),
            memory: band('bytes'),
            memoryGrowthPerDay: 'bytes',
            peak: headline,
            lower: headline,
            upper: headline,
          },
          savings,
        },
      },
      summary: { savings },
      // Prices are inputs, kept as read (a price to 4 digits would move every cost computed from it).
      inventory: {
        prices: (v) => v,
        nodes: { memoryBytes: 'bytes', monthly: 'money' },
        workloads: {
          '[]': {
            price: (v) => v,
            requests: { memoryBytes: 'bytes' },
            usage: { memoryBytesP95: 'bytes', memoryBytesPeak: 'bytes' },
          },
        },
      },
    },
  },
};

function roundTree(v: unknown, tree: UnitTree | undefined, holder?: Record<string, unknown>): unknown {
  if (typeof tree === 'function') return tree(v, holder ?? {});
  if (typeof v === 'number') return roundTo(typeof tree === 'string' ? tree : 'number', v);
  if (v === null || typeof v !== 'object') return v;
  const below = (key: string): UnitTree | undefined =>
    typeof tree === 'string' ? tree : tree === undefined ? undefined : tree[key];
  if (Array.isArray(v)) {
    const item = below('[]');
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = roundTree(v[i], item);
      if (r !== v[i]) (out ??= [...v])[i] = r;
    }
    return out ?? v;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
  const obj = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const r = roundTree(obj[k], below(k), obj);
    if (r !== obj[k]) (out ??= { ...obj })[k] = r;
  }
  return out ?? v;
}

export function roundPlanDocument(doc: PlanDocument): PlanDocument {
  return roundTree(doc, PLAN_UNITS) as PlanDocument;
}
