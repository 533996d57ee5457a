/**
 * A decaying histogram: each sample's weight doubles every half-life, so recent usage counts more
 * (VPA's scheme, recommenders.md §1.2–1.3). Buckets are VPA-compatible exponential buckets
 * (first bucket, 5 % growth, 176 buckets) or linear ones (Crane). Percentiles return the end of
 * the bucket that reaches the percentile, as VPA does, so they never underestimate. Tidemark's
 * digests also cap them at the highest value added (`capAtMax`): a bucket's end can lie far above
 * everything in it (the first CPU buckets are 10 m wide), and a P99 above the maximum is a number
 * no reader can trust. The bench's VPA and Crane baselines keep their recommenders' exact figures.
 */
export interface BucketScheme {
  kind: 'exponential' | 'linear';
  /** Exponential: size of the first bucket. Linear: size of every bucket. */
  first: number;
  ratio: number;
  count: number;
}

export const CPU_BUCKETS: BucketScheme = { kind: 'exponential', first: 0.01, ratio: 1.05, count: 176 };
export const MEMORY_BUCKETS: BucketScheme = { kind: 'exponential', first: 1e7, ratio: 1.05, count: 176 };

export function bucketOf(s: BucketScheme, v: number): number {
  if (v <= 0) return 0;
  const b =
    s.kind === 'linear'
      ? Math.floor(v / s.first)
      : Math.floor(Math.log((v * (s.ratio - 1)) / s.first + 1) / Math.log(s.ratio));
  return Math.min(Math.max(b, 0), s.count - 1);
}

export function bucketStart(s: BucketScheme, b: number): number {
  if (s.kind === 'linear') return b * s.first;
  return (s.first * (Math.pow(s.ratio, b) - 1)) / (s.ratio - 1);
}

const GRID = 60;
/** 35 days of minutes: longer windows fall back to Math.pow beyond it. */
const TABLE_LENGTH = 35 * 1440;
const tables = new Map<string, Float64Array>();

function factorTable(halfLife: number, reference: number): Float64Array {
  const key = `${halfLife}:${reference}`;
  let t = tables.get(key);
  if (!t) {
    // Plans run one window at a time; a long-lived process must not keep every window's table.
    // The incremental history folds each day against its own start: a window's days fit.
    if (tables.size >= 48) tables.clear();
    tables.set(key, (t = new Float64Array(TABLE_LENGTH)));
  }
  return t;
}

const sumTables = new Map<string, Float64Array>();
let sumReference = NaN;

/**
 * Sums of `count` factors from each grid minute, `step` apart, filled as they are asked for. The
 * first 48 (half-life, reference, count, step) kinds of run get a table (a coarse tier's runs
 * come first: they are the oldest history); later kinds are summed each time, so runs of every
 * length in a long idle stretch never churn tables. A new reference past 48 starts afresh.
 */
function sumTable(
  halfLife: number,
  reference: number,
  count: number,
  step: number,
): Float64Array | undefined {
  if (reference !== sumReference) {
    // The incremental history folds a window's days in turn: each keeps its tables until the
    // next window.
    if (sumTables.size >= 48) sumTables.clear();
    sumReference = reference;
  }
  const key = `${halfLife}:${reference}:${count}:${step}`;
  let t = sumTables.get(key);
  if (!t && sumTables.size < 48) sumTables.set(key, (t = new Float64Array(TABLE_LENGTH)));
  return t;
}

export class DecayingHistogram {
  readonly weights: Float64Array;
  total = 0;
  /** The highest value added (undecayed). */
  top = 0;

  constructor(
    readonly scheme: BucketScheme,
    /** Seconds; Infinity disables decay. */
    readonly halfLife: number,
    /** Weights are relative to this time (unix seconds); percentiles do not depend on it. */
    readonly reference: number,
    /** Percentiles never above the highest value added, and max() is that value. */
    readonly capAtMax = false,
  ) {
    this.weights = new Float64Array(scheme.count);
    this.logRatio = Math.log(scheme.ratio);
  }

  /**
   * Factors on the minute grid, shared by every histogram with this half-life and reference;
   * taken on first use (a checkpoint's decoded days are only added up, never added to).
   */
  private table: Float64Array | undefined;
  private get factors(): Float64Array | undefined {
    if (!Number.isFinite(this.halfLife)) return undefined;
    return (this.table ??= factorTable(this.halfLife, this.reference));
  }

  decayFactor(time: number): number {
    const factors = this.factors;
    if (!factors) return 1;
    const d = time - this.reference;
    const k = d / GRID;
    // Math.pow was a tenth of a 1,000-container plan: intervals sit on the grid, so each factor
    // is computed once per run (the same expression, so the same value).
    if (k >= 0 && k < factors.length && Number.isInteger(k)) {
      const f = factors[k]!;
      if (f !== 0) return f;
      return (factors[k] = Math.pow(2, d / this.halfLife));
    }
    return Math.pow(2, d / this.halfLife);
  }

  /** Σ of the decay factors of `count` intervals from `time`, `step` apart. */
  decaySum(time: number, count: number, step: number): number {
    // Every container's coarse runs start on the same times: each sum is computed once per run
    // of the plan (by the same loop, so to the same value) instead of once per container.
    const k = (time - this.reference) / GRID;
    const sums =
      this.factors && k >= 0 && k < TABLE_LENGTH && Number.isInteger(k)
        ? this.sumTable(count, step)
        : undefined;
    if (sums && sums[k] !== 0) return sums[k]!;
    let w = 0;
    for (let j = 0; j < count; j++) w += this.decayFactor(time + j * step);
    if (sums) sums[k] = w;
    return w;
  }

  private sums: { count: number; step: number; table: Float64Array | undefined } | undefined;

  private sumTable(count: number, step: number): Float64Array | undefined {
    const s = this.sums;
    if (s && s.count === count && s.step === step) return s.table;
    const table = sumTable(this.halfLife, this.reference, count, step);
    this.sums = { count, step, table };
    return table;
  }

  /** Adds a weight that already carries its decay (a run of equal intervals). */
  addDecayed(value: number, weight: number): void {
    if (!(value >= 0) || !(weight > 0)) return;
    this.weights[this.bucket(value)]! += weight;
    this.total += weight;
    if (value > this.top) this.top = value;
  }

  add(value: number, weight: number, time: number): void {
    if (!(value >= 0) || !(weight > 0)) return;
    const w = weight * this.decayFactor(time);
    this.weights[this.bucket(value)]! += w;
    this.total += w;
    if (value > this.top) this.top = value;
  }

  /** bucketOf with the scheme's log ratio computed once (the same value, so the same bucket). */
  private readonly logRatio: number;

  private bucket(v: number): number {
    const s = this.scheme;
    if (v <= 0) return 0;
    const b =
      s.kind === 'linear'
        ? Math.floor(v / s.first)
        : Math.floor(Math.log((v * (s.ratio - 1)) / s.first + 1) / this.logRatio);
    return Math.min(Math.max(b, 0), s.count - 1);
  }

  isEmpty(): boolean {
    return this.total <= 0;
  }

  /**
   * The end of the bucket where the cumulative weight first reaches p·total (p in 0..1); with
   * `capAtMax`, at most the highest value added (which alone bounds the last, endless bucket).
   */
  percentile(p: number): number {
    if (this.total <= 0) return 0;
    const target = p * this.total;
    let acc = 0;
    let b = 0;
    for (; b < this.scheme.count; b++) {
      acc += this.weights[b]!;
      if (acc >= target - 1e-12 * this.total && this.weights[b]! > 0) break;
    }
    const last = b >= this.scheme.count - 1;
    if (this.capAtMax) return last ? this.top : Math.min(bucketStart(this.scheme, b + 1), this.top);
    return bucketStart(this.scheme, last ? this.scheme.count - 1 : b + 1);
  }

  /** With `capAtMax` the highest value added, at or above every percentile; else the end of the highest non-empty bucket. */
  max(): number {
    if (this.total <= 0) return 0;
    if (this.capAtMax) return this.top;
    for (let b = this.scheme.count - 1; b >= 0; b--)
      if (this.weights[b]! > 0) return bucketStart(this.scheme, Math.min(b + 1, this.scheme.count - 1));
    return 0;
  }
}
