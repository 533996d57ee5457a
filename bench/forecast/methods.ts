/**
 * The forecasts compared by bench:forecast, each as a rule from a node's history (the train days'
 * hot hours, oldest first) to the test day's predicted hot hours. No rule sees the test day, a
 * node's name or a timestamp: only the hot/cool pattern of the days before, and whether each of
 * those days and the test day are weekend days (for the weekday/weekend split).
 */

export interface History {
  /** Per train day (oldest first), per local hour: hot (load ≥ threshold), cool, or null (no data). */
  hot: (boolean | null)[][];
  /** Per train day: a Saturday or Sunday (local). */
  weekend: boolean[];
}

export interface Method {
  name: string;
  /** The family the variant belongs to (for the table). */
  family: 'persistence' | 'vote' | 'vote ±1 h' | 'weekday/weekend vote' | 'weighted profile';
  predict(h: History, testWeekend: boolean): boolean[];
}

const HOURS = 24;

/** Hot at hour `hour` on day `d`, or (wide) at the hour before or after it that day. */
function hotAt(h: History, d: number, hour: number, wide: boolean): boolean {
  const day = h.hot[d]!;
  if (day[hour]) return true;
  if (!wide) return false;
  return !!day[(hour + HOURS - 1) % HOURS] || !!day[(hour + 1) % HOURS];
}

/** Hour h is forecast hot when it was hot on at least k of the last n days (of the same kind, when split). */
export function vote(k: number, n: number, o: { wide?: boolean; split?: boolean } = {}): Method {
  const family = o.split ? 'weekday/weekend vote' : o.wide ? 'vote ±1 h' : 'vote';
  return {
    name: `${family}: ${k} of ${n}`,
    family,
    predict(h, testWeekend) {
      const days: number[] = [];
      for (let d = h.hot.length - 1; d >= 0 && days.length < n; d--)
        if (!o.split || h.weekend[d] === testWeekend) days.push(d);
      return Array.from({ length: HOURS }, (_, hour) => {
        let hits = 0;
        for (const d of days) if (hotAt(h, d, hour, !!o.wide)) hits++;
        return hits >= k;
      });
    },
  };
}

/** Yesterday's hot hours again. */
export const persistence: Method = { ...vote(1, 1), name: 'persistence (yesterday)', family: 'persistence' };

/**
 * Each train day weighs 0.5^(age / halfLife) (yesterday age 0); hour h is forecast hot when the
 * weighted share of days hot then is at least p. Days without data at h weigh nothing.
 */
export function weighted(halfLife: number, p: number): Method {
  return {
    name: `weighted profile: half-life ${halfLife} d, ≥ ${p}`,
    family: 'weighted profile',
    predict(h) {
      const last = h.hot.length - 1;
      return Array.from({ length: HOURS }, (_, hour) => {
        let w = 0;
        let hot = 0;
        for (let d = 0; d <= last; d++) {
          const x = h.hot[d]![hour];
          if (x === null || x === undefined) continue;
          const weight = 0.5 ** ((last - d) / halfLife);
          w += weight;
          if (x) hot += weight;
        }
        return w > 0 && hot / w >= p;
      });
    },
  };
}

/** The variants swept: every rule above over a small grid of its settings. */
export function variants(): Method[] {
  const out: Method[] = [persistence];
  for (const [n, ks] of [
    [2, [1, 2]],
    [3, [1, 2, 3]],
    [5, [1, 2, 3, 4]],
    [7, [1, 2, 3, 4, 5]],
    [14, [1, 2, 3, 4, 5, 7]],
  ] as const)
    for (const k of ks) {
      out.push(vote(k, n));
      out.push(vote(k, n, { wide: true }));
    }
  for (const [n, ks] of [
    [2, [1, 2]],
    [3, [1, 2, 3]],
    [4, [1, 2, 3]],
  ] as const)
    for (const k of ks) out.push(vote(k, n, { split: true }));
  for (const halfLife of [1, 2, 3, 7])
    for (const p of [0.2, 0.3, 0.4, 0.5, 0.6]) out.push(weighted(halfLife, p));
  return out;
}
