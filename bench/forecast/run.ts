/**
 * `npm run bench:forecast [-- --threshold 0.8 --train 14 --lead 30]`: hotspot forecasts on the
 * real trace — the Bitbrains "rnd" VMs of August 2013 in ../shared/data (250 VMs, 5-minute
 * samples, about a month each), walked forward a day at a time: each local day is forecast from
 * the `train` days before it only, as a daily plan run would, then compared with what happened.
 *
 * The rules compared (methods.ts): persistence (yesterday's hot hours), same-hour votes (hot on
 * k of the last n days; ±1 h; weekday/weekend apart), recency-weighted hour profiles, the
 * cycle-tested forecast (`method: 'cycle'`) and Tidemark's default, the last two through
 * forecast.ts itself. No rule sees the test day, a node's name or a timestamp.
 *
 * Two mappings of VMs to nodes:
 *  - `vm`: each VM is a node, its load the CPU it used over what it was provisioned;
 *  - `group`: VMs packed 8 to a node in trace order, the node's load Σ used ÷ Σ provisioned over
 *    the hours all its VMs report.
 *
 * A hot hour is an hour whose mean load is at or over the threshold (the guardian's 80 %). A hot
 * window is a run of hot hours starting on the test day. Every rule's alarm is its predicted hours
 * opened `lead` minutes early. Recall: the share of hot windows the alarm was on for when they
 * began. Precision: the share of alarms (runs of predicted hours) in which the node ran hot; hour
 * precision: the share of alarmed hours that were hot (what a taint ahead of time costs: a long
 * alarm is one alarm but many hours). Also alarms and false alarms per node-day, alarmed hours per
 * node-day, and the median lead of caught windows. Each rule is picked on one half of the nodes
 * and reported on the other, for two splits. Writes bench/results/forecast.json.
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { toHourly } from '../../pipeline/analyze/cronhpa/periodicity.js';
import {
  forecastHotspots,
  inWindow,
  type HotspotForecast,
} from '../../pipeline/analyze/overcommit/forecast.js';
import { HOTSPOT_DEFAULTS } from '../../pipeline/analyze/overcommit/args.js';
import { variants, type History } from './methods.js';

const here = dirname(fileURLToPath(import.meta.url));
const opts = new Command()
  .option(
    '--data <file>',
    'the trace',
    join(here, '..', '..', '..', 'shared', 'data', 'bitbrains-rnd-2013-8.csv.gz'),
  )
  .option('--threshold <x>', 'hot at this share of capacity', Number, HOTSPOT_DEFAULTS.threshold)
  .option('--train <days>', 'days each forecast learns from (the plan window)', Number, 14)
  .option('--lead <minutes>', 'alarm this long before the hot hour', Number, HOTSPOT_DEFAULTS.leadMinutes)
  .option(
    '--min-share <x>',
    'the cycle-tested row: an hour is forecast hot when hot on this share of days',
    Number,
    HOTSPOT_DEFAULTS.minShare,
  )
  .option(
    '--recent <days>',
    'the cycle-tested row: days a daily profile is built from',
    Number,
    HOTSPOT_DEFAULTS.recentDays,
  )
  .option('--group <n>', 'VMs per node in the group mapping', Number, 8)
  .option('--timezone <tz>', 'the data centre’s zone', 'Europe/Amsterdam')
  .parse()
  .opts<{
    data: string;
    threshold: number;
    train: number;
    lead: number;
    minShare: number;
    recent: number;
    group: number;
    timezone: string;
  }>();

interface Vm {
  id: number;
  /** Per absolute hour (from the trace's first hour): Σ used millicores and samples, provisioned cores. */
  used: Map<number, { sum: number; n: number; cores: number }>;
}

async function load(file: string): Promise<{ vms: Vm[]; firstHour: number; lastHour: number }> {
  const vms = new Map<number, Vm>();
  let firstHour = Infinity;
  let lastHour = -Infinity;
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const [vm, ts, cpu, cores] = line.split(',');
    const id = Number(vm);
    const hour = Math.floor(Number(ts) / 3600);
    const c = Number(cores);
    if (!(c > 0)) continue;
    let v = vms.get(id);
    if (!v) vms.set(id, (v = { id, used: new Map() }));
    const h = v.used.get(hour) ?? { sum: 0, n: 0, cores: c };
    h.sum += Number(cpu);
    h.n++;
    h.cores = c;
    v.used.set(hour, h);
    firstHour = Math.min(firstHour, hour);
    lastHour = Math.max(lastHour, hour);
  }
  return { vms: [...vms.values()].sort((a, b) => a.id - b.id), firstHour, lastHour };
}

/** A node's hourly load on the global grid (NaN: no data that hour). */
type Node = { name: string; load: Float64Array };

function nodesOf(vms: Vm[], firstHour: number, hours: number, mapping: 'vm' | 'group'): Node[] {
  const groups: Vm[][] =
    mapping === 'vm'
      ? vms.map((v) => [v])
      : Array.from({ length: Math.ceil(vms.length / opts.group) }, (_, i) =>
          vms.slice(i * opts.group, (i + 1) * opts.group),
        );
  return groups.map((g) => {
    const load = new Float64Array(hours).fill(NaN);
    for (let k = 0; k < hours; k++) {
      let used = 0;
      let cap = 0;
      let all = true;
      for (const v of g) {
        const h = v.used.get(firstHour + k);
        if (!h) {
          all = false;
          break;
        }
        used += h.sum / h.n;
        cap += h.cores * 1000;
      }
      if (all && cap > 0) load[k] = used / cap;
    }
    return { name: g.map((v) => v.id).join('+'), load };
  });
}

interface Counts {
  nodeDays: number;
  events: number;
  eventsCaught: number;
  alarms: number;
  alarmsTrue: number;
  hotHours: number;
  predictedHours: number;
  hitHours: number;
  /** Minutes the alarm had been on when each caught hot window began. */
  leads: number[];
}

const zero = (): Counts => ({
  nodeDays: 0,
  events: 0,
  eventsCaught: 0,
  alarms: 0,
  alarmsTrue: 0,
  hotHours: 0,
  predictedHours: 0,
  hitHours: 0,
  leads: [],
});

/**
 * Scores one node-day: `hot` and `predicted` per local hour, `before` the forecast in force the
 * day before (its last hour reaches into this day's lead), `wasHot` the hour before midnight.
 * Every method's alarm is its predicted hours opened `lead` minutes early: a hot window beginning
 * at hour h is caught when the alarm was on `lead` minutes before h (h or h − 1 predicted).
 */
function score(c: Counts, hot: boolean[], predicted: boolean[], before: boolean, wasHot: boolean): void {
  c.nodeDays++;
  const pred = (h: number) => (h < 0 ? before : predicted[h]!);
  for (let h = 0; h < hot.length; h++) {
    if (hot[h]) c.hotHours++;
    if (predicted[h]) c.predictedHours++;
    if (hot[h] && predicted[h]) c.hitHours++;
    if (hot[h] && !(h === 0 ? wasHot : hot[h - 1])) {
      c.events++;
      const on = opts.lead > 0 ? pred(h) || pred(h - 1) : pred(h);
      if (on) {
        c.eventsCaught++;
        // The alarm's run of predicted hours reaching h (or h − 1), from its lead; capped at midnight.
        let s = pred(h) ? h : h - 1;
        while (s > 0 && predicted[s - 1]) s--;
        c.leads.push((h - s) * 60 + opts.lead);
      }
    }
    if (predicted[h] && (h === 0 || !predicted[h - 1])) {
      c.alarms++;
      let any = false;
      for (let e = h; e < predicted.length && predicted[e]; e++) if (hot[e]) any = true;
      if (any) c.alarmsTrue++;
    }
  }
}

const ratio = (a: number, b: number, digits = 3) =>
  b ? Math.round((a / b) * 10 ** digits) / 10 ** digits : null;

function summary(c: Counts) {
  const leads = [...c.leads].sort((a, b) => a - b);
  const recall = ratio(c.eventsCaught, c.events);
  const hourPrecision = ratio(c.hitHours, c.predictedHours);
  return {
    recall,
    precision: ratio(c.alarmsTrue, c.alarms),
    // Recall of hot windows against the share of alarmed hours that ran hot (what a taint costs).
    f1:
      recall !== null && hourPrecision !== null && recall + hourPrecision > 0
        ? Math.round(((2 * recall * hourPrecision) / (recall + hourPrecision)) * 1000) / 1000
        : 0,
    alarmsPerNodeDay: ratio(c.alarms, c.nodeDays),
    falseAlarmsPerNodeDay: ratio(c.alarms - c.alarmsTrue, c.nodeDays),
    medianLeadMinutes: leads.length ? leads[Math.floor(leads.length / 2)]! : null,
    hourRecall: ratio(c.hitHours, c.hotHours),
    hourPrecision: ratio(c.hitHours, c.predictedHours),
    alarmHoursPerNodeDay: ratio(c.predictedHours, c.nodeDays, 2),
    nodeDays: c.nodeDays,
    events: c.events,
    eventsCaught: c.eventsCaught,
    alarms: c.alarms,
    alarmsTrue: c.alarmsTrue,
  };
}
type Summary = ReturnType<typeof summary>;

/**
 * Generalisation: every rule is tuned (picked) on one half of the nodes and reported on the other.
 * `halves`: the first half in trace order / the rest; `alternate`: odd / even positions (the
 * trace's hot VMs cluster at low numbers, so the first split leaves few hot ones to report on).
 */
const SPLITS = {
  halves: (i: number, n: number) => i < n / 2,
  alternate: (i: number) => i % 2 === 0,
};
type Split = keyof typeof SPLITS;

interface Scored {
  name: string;
  family: string;
  all: Summary;
  splits: Record<Split, { tune: Summary; report: Summary }>;
}

/**
 * The pick, made on the tune half only: the highest F1 of hot-window recall and hour precision
 * among the variants whose alarmed hours are hot at least as often as persistence's on that half
 * (a taint ahead of time costs capacity for every hour it is on, so no variant may buy its recall
 * with hours that are cooler than yesterday's guess).
 */
function pick(scored: Scored[], split: Split): Scored {
  const tune = (s: Scored) => s.splits[split].tune;
  const base = tune(scored.find((s) => s.family === 'persistence')!);
  const ok = scored.filter(
    (s) =>
      s.family !== 'cycle' && s.family !== 'default' && (tune(s).hourPrecision ?? 0) >= base.hourPrecision!,
  );
  return ok.reduce((a, b) => (tune(b).f1 > tune(a).f1 ? b : a));
}

/** Sums node-days' counts. */
function sum(cs: Counts[]): Counts {
  const all = zero();
  for (const c of cs)
    for (const k of Object.keys(all) as (keyof Counts)[])
      if (k === 'leads') all.leads.push(...c.leads);
      else all[k] += c[k];
  return all;
}

async function main() {
  const t0 = performance.now();
  const { vms, firstHour, lastHour } = await load(opts.data);
  const hours = lastHour - firstHour + 1;
  // Local days over the grid: hour index → day index, and each day's weekday.
  const dayStart: number[] = [];
  const weekend: boolean[] = [];
  const localHour = new Int32Array(hours);
  let prevDay = '';
  for (let k = 0; k < hours; k++) {
    const t = DateTime.fromSeconds((firstHour + k) * 3600, { zone: opts.timezone });
    localHour[k] = t.hour;
    if (t.toISODate() !== prevDay) {
      dayStart.push(k);
      weekend.push(t.weekday >= 6);
      prevDay = t.toISODate()!;
    }
  }
  const days = dayStart.length;
  const fo = {
    threshold: opts.threshold,
    leadMinutes: opts.lead,
    recentDays: opts.recent,
    minShare: opts.minShare,
    timezone: opts.timezone,
  };
  const methods = variants();
  const results: Record<string, unknown> = {};
  const printed: string[] = [];
  for (const mapping of ['vm', 'group'] as const) {
    const nodes = nodesOf(vms, firstHour, hours, mapping);
    // Per rule, per node: its node-days' counts, summed over either split's halves afterwards.
    const counts = new Map<string, Counts[]>();
    const countsOf = (name: string) => {
      let c = counts.get(name);
      if (!c) counts.set(name, (c = nodes.map(zero)));
      return c;
    };
    const cycleReasons: Record<string, number> = {};
    let cycleForecasts = 0;
    let defaultDiffers = 0;
    const everHot = nodes.filter((n) => n.load.some((x) => x >= opts.threshold)).length;
    nodes.forEach((n, i) => {
      const before = new Map<string, boolean>();
      // The first and last local days are partial (the trace starts and ends mid-day).
      for (let d = opts.train + 1; d < days - 1; d++) {
        const from = dayStart[d - opts.train]!;
        const to = dayStart[d]!;
        const end = dayStart[d + 1]!;
        const test = n.load.subarray(to, end);
        if (test.length !== 24 || test.some((x) => Number.isNaN(x))) {
          before.clear();
          continue;
        }
        const train = n.load.subarray(from, to);
        const seen = [...train].filter((x) => !Number.isNaN(x)).length;
        if (seen < train.length * 0.9) {
          before.clear();
          continue;
        }
        const history: History = { hot: [], weekend: [] };
        for (let e = d - opts.train; e < d; e++) {
          const row: (boolean | null)[] = new Array<boolean | null>(24).fill(null);
          for (let k = dayStart[e]!; k < dayStart[e + 1]!; k++) {
            const x = n.load[k]!;
            row[localHour[k]!] = Number.isNaN(x) ? null : x >= opts.threshold;
          }
          history.hot.push(row);
          history.weekend.push(weekend[e]!);
        }
        const hot = [...test].map((x) => x >= opts.threshold);
        const wasHot = n.load[to - 1]! >= opts.threshold;
        for (const m of methods) {
          const p = m.predict(history, weekend[d]!);
          score(countsOf(m.name)[i]!, hot, p, before.get(m.name) ?? false, wasHot);
          before.set(m.name, p[23]!);
        }
        const times: number[] = [];
        const values: number[] = [];
        train.forEach((x, j) => {
          if (Number.isNaN(x)) return;
          times.push((firstHour + from + j) * 3600);
          values.push(x);
        });
        const series = toHourly(times, values);
        // The product's default, through its own code (forecast.ts, inWindow), beside the same rule here.
        const dflt = forecastHotspots(series, {
          ...HOTSPOT_DEFAULTS,
          threshold: opts.threshold,
          leadMinutes: opts.lead,
          timezone: opts.timezone,
        });
        const df = 'forecast' in dflt ? dflt.forecast : undefined;
        const dp: boolean[] = [];
        for (let k = to; k < end; k++)
          dp.push(
            !!df && df.windows.some((w) => inWindow(w, (firstHour + k) * 3600, df.timezone, 'hotFrom')),
          );
        const same = methods.find((m) => m.name === DEFAULT_VARIANT)!.predict(history, weekend[d]!);
        defaultDiffers += dp.filter((x, j) => x !== same[j]).length;
        score(countsOf(DEFAULT)[i]!, hot, dp, before.get(DEFAULT) ?? false, wasHot);
        before.set(DEFAULT, dp[23]!);
        // The cycle-tested forecast (CronHPA's test), through the product's own code.
        const f = forecastHotspots(series, { ...fo, method: 'cycle' });
        const fc: HotspotForecast | undefined = 'forecast' in f ? f.forecast : undefined;
        if (fc) cycleForecasts++;
        else {
          const why = ('reason' in f ? f.reason : '').split(/[:—]/)[0]!.trim();
          cycleReasons[why] = (cycleReasons[why] ?? 0) + 1;
        }
        const p: boolean[] = [];
        for (let k = to; k < end; k++)
          p.push(!!fc && fc.windows.some((w) => inWindow(w, (firstHour + k) * 3600, fc.timezone, 'hotFrom')));
        score(countsOf(CYCLE)[i]!, hot, p, before.get(CYCLE) ?? false, wasHot);
        before.set(CYCLE, p[23]!);
      }
    });
    const family = (name: string) =>
      name === CYCLE ? 'cycle' : name === DEFAULT ? 'default' : methods.find((m) => m.name === name)!.family;
    const scored: Scored[] = [...counts].map(([name, c]) => ({
      name,
      family: family(name),
      all: summary(sum(c)),
      splits: Object.fromEntries(
        Object.entries(SPLITS).map(([split, inTune]) => [
          split,
          {
            tune: summary(sum(c.filter((_, i) => inTune(i, nodes.length)))),
            report: summary(sum(c.filter((_, i) => !inTune(i, nodes.length)))),
          },
        ]),
      ) as Scored['splits'],
    }));
    const picked = Object.fromEntries(
      (Object.keys(SPLITS) as Split[]).map((split) => [split, pick(scored, split).name]),
    );
    results[mapping] = {
      nodes: nodes.length,
      everHot,
      productDefault: { name: DEFAULT, sameHoursAs: DEFAULT_VARIANT, hoursDiffering: defaultDiffers },
      cycleTest: { nodeDaysWithForecast: cycleForecasts, noForecast: cycleReasons },
      pickedOnTune: picked,
      methods: scored,
    };
    const line = (name: string, x: Summary) =>
      `${name.padEnd(48)} recall ${String(x.recall).padEnd(5)} (${x.eventsCaught}/${x.events}), precision ${String(x.precision).padEnd(5)} (${x.alarmsTrue}/${x.alarms}), hour precision ${String(x.hourPrecision).padEnd(5)}, alarms/node-day ${String(x.alarmsPerNodeDay).padEnd(5)} (false ${String(x.falseAlarmsPerNodeDay).padEnd(5)}), alarm h/node-day ${String(x.alarmHoursPerNodeDay).padEnd(4)}, lead ${x.medianLeadMinutes} min`;
    printed.push(
      `${mapping}: ${nodes.length} nodes (ever hot ${everHot}), ${scored[0]!.all.nodeDays} node-days`,
    );
    printed.push(`  every rule over all nodes, by F1 of recall and hour precision:`);
    for (const s of [...scored].sort((a, b) => b.all.f1 - a.all.f1))
      printed.push(`    ${line(s.name, s.all)}`);
    for (const split of Object.keys(SPLITS) as Split[]) {
      printed.push(`  split ${split}: picked on tune: ${picked[split]}`);
      const rows = scored.filter(
        (s) => ['persistence', 'cycle', 'default'].includes(s.family) || s.name === picked[split],
      );
      for (const half of ['tune', 'report'] as const)
        for (const s of rows) printed.push(`    ${half.padEnd(6)} ${line(s.name, s.splits[split][half])}`);
    }
    printed.push(
      `  the default's hours differ from ${DEFAULT_VARIANT}'s in ${defaultDiffers} node-hours (it runs through forecast.ts)`,
    );
  }
  const out = {
    data: 'bitbrains-rnd-2013-8 (250 VMs, 5-minute samples, August 2013)',
    walkForward: `each local day d forecast from days d−${opts.train}…d−1 only (${opts.timezone})`,
    options: {
      threshold: opts.threshold,
      trainDays: opts.train,
      leadMinutes: opts.lead,
      minShare: opts.minShare,
      recentDays: opts.recent,
      groupSize: opts.group,
    },
    results,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  const dir = join(here, '..', 'results');
  mkdirSync(dir, { recursive: true });
  // One line per figure set, so a diff of the results reads row by row.
  const json = JSON.stringify(out, null, 2).replace(/\{[^{}[\]]*\}/g, (o) => o.replace(/\s*\n\s*/g, ' '));
  writeFileSync(join(dir, 'forecast.json'), json + '\n');
  console.log(printed.join('\n'));
  console.log(`${out.seconds} s; bench/results/forecast.json`);
}

const CYCLE = `cycle test (CronHPA), then hours hot on ≥ ${opts.minShare} of ${opts.recent} days`;
const DEFAULT = `Tidemark's default (${HOTSPOT_DEFAULTS.method}, ≥ ${HOTSPOT_DEFAULTS.minShare} of ${HOTSPOT_DEFAULTS.recentDays} days)`;
/** The bench's rule that predicts the same hours as the default: the run counts the hours where they differ. */
const DEFAULT_VARIANT = `vote: ${Math.round(HOTSPOT_DEFAULTS.minShare * HOTSPOT_DEFAULTS.recentDays)} of ${HOTSPOT_DEFAULTS.recentDays}`;

await main();
