/**
 * `npm run bench:forecast [-- --threshold 0.8 --train 14 --lead 30]`: the hotspot forecast
 * (pipeline/analyze/overcommit/forecast.ts) on real traces — the Bitbrains "rnd" VMs of August
 * 2013 in ../shared/data (250 VMs, 5-minute samples, about a month each), walked forward a day at
 * a time: each day is forecast from the `train` days before it only, as a daily plan run would,
 * then compared with what happened that day.
 *
 * Two mappings of VMs to nodes:
 *  - `vm`: each VM is a node, its load the CPU it used over what it was provisioned (a dedicated
 *    host's utilisation: the trace's business-critical VMs are what such nodes run);
 *  - `group`: VMs packed 8 to a node in trace order, the node's load Σ used ÷ Σ provisioned over
 *    the hours all its VMs report (a node whose pods are those VMs).
 *
 * A hot hour is an hour whose mean load is at or over the threshold (the guardian's 80 %). A hot
 * window is a run of hot hours starting on the test day. Recall: the share of hot windows the
 * forecast had its alarm on (lead included) when they began. Precision: the share of forecast
 * windows (alarms) on the test day in which the node did run hot. Hour-level figures and a
 * persistence baseline (yesterday's hot hours) are printed beside them. Writes
 * bench/results/forecast.json.
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
    'an hour is forecast hot when hot on this share of days',
    Number,
    HOTSPOT_DEFAULTS.minShare,
  )
  .option('--recent <days>', 'days a daily profile is built from', Number, HOTSPOT_DEFAULTS.recentDays)
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
  events: number;
  eventsCaught: number;
  alarms: number;
  alarmsTrue: number;
  hotHours: number;
  predictedHours: number;
  hitHours: number;
}

const zero = (): Counts => ({
  events: 0,
  eventsCaught: 0,
  alarms: 0,
  alarmsTrue: 0,
  hotHours: 0,
  predictedHours: 0,
  hitHours: 0,
});

/** Scores one node-day: `hot` and `predicted` per hour of the day, `alarm` (lead included), `wasHot` the hour before. */
function score(c: Counts, hot: boolean[], predicted: boolean[], alarm: boolean[], wasHot: boolean): void {
  for (let h = 0; h < hot.length; h++) {
    if (hot[h]) c.hotHours++;
    if (predicted[h]) c.predictedHours++;
    if (hot[h] && predicted[h]) c.hitHours++;
    // A hot window starts at h: the alarm was on when it began.
    if (hot[h] && !(h === 0 ? wasHot : hot[h - 1])) {
      c.events++;
      if (alarm[h]) c.eventsCaught++;
    }
    // A forecast window starts at h: true if the node ran hot at some hour of it.
    if (predicted[h] && (h === 0 || !predicted[h - 1])) {
      c.alarms++;
      let any = false;
      for (let e = h; e < predicted.length && predicted[e]; e++) if (hot[e]) any = true;
      if (any) c.alarmsTrue++;
    }
  }
}

const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : null);

function summary(c: Counts) {
  return {
    recall: ratio(c.eventsCaught, c.events),
    precision: ratio(c.alarmsTrue, c.alarms),
    hourRecall: ratio(c.hitHours, c.hotHours),
    hourPrecision: ratio(c.hitHours, c.predictedHours),
    ...c,
  };
}

interface MappingResult {
  nodes: number;
  everHot: number;
  nodeDays: number;
  nodeDaysWithForecast: number;
  noForecast: Record<string, number>;
  forecast: ReturnType<typeof summary>;
  persistence: ReturnType<typeof summary>;
}

async function main() {
  const t0 = performance.now();
  const { vms, firstHour, lastHour } = await load(opts.data);
  const hours = lastHour - firstHour + 1;
  // Local days over the grid: hour index → day index.
  const dayOf = new Int32Array(hours);
  const dayStart: number[] = [];
  let prevDay = '';
  for (let k = 0; k < hours; k++) {
    const d = DateTime.fromSeconds((firstHour + k) * 3600, { zone: opts.timezone }).toISODate()!;
    if (d !== prevDay) {
      dayStart.push(k);
      prevDay = d;
    }
    dayOf[k] = dayStart.length - 1;
  }
  const days = dayStart.length;
  const fo = {
    threshold: opts.threshold,
    leadMinutes: opts.lead,
    recentDays: opts.recent,
    minShare: opts.minShare,
    timezone: opts.timezone,
  };
  const results: Record<string, MappingResult> = {};
  for (const mapping of ['vm', 'group'] as const) {
    const nodes = nodesOf(vms, firstHour, hours, mapping);
    const model = zero();
    const persistence = zero();
    let forecasts = 0;
    const reasons: Record<string, number> = {};
    let nodeDays = 0;
    const everHot = nodes.filter((n) => n.load.some((x) => x >= opts.threshold)).length;
    // The first and last local days are partial (the trace starts and ends mid-day).
    for (let d = opts.train + 1; d < days - 1; d++) {
      const from = dayStart[d - opts.train]!;
      const to = dayStart[d]!;
      const end = dayStart[d + 1]!;
      for (const n of nodes) {
        const test = n.load.subarray(to, end);
        if (test.some((x) => Number.isNaN(x))) continue;
        const train = n.load.subarray(from, to);
        const seen = [...train].filter((x) => !Number.isNaN(x)).length;
        if (seen < train.length * 0.9) continue;
        nodeDays++;
        const times: number[] = [];
        const values: number[] = [];
        train.forEach((x, i) => {
          if (Number.isNaN(x)) return;
          times.push((firstHour + from + i) * 3600);
          values.push(x);
        });
        const f = forecastHotspots(toHourly(times, values), fo);
        const fc: HotspotForecast | undefined = 'forecast' in f ? f.forecast : undefined;
        if (fc) forecasts++;
        else {
          const why = ('reason' in f ? f.reason : '').split(/[:—]/)[0]!.trim();
          reasons[why] = (reasons[why] ?? 0) + 1;
        }
        const hot: boolean[] = [];
        const predicted: boolean[] = [];
        const alarm: boolean[] = [];
        const yesterday: boolean[] = [];
        for (let k = to; k < end; k++) {
          const t = (firstHour + k) * 3600;
          hot.push(n.load[k]! >= opts.threshold);
          predicted.push(!!fc && fc.windows.some((w) => inWindow(w, t, fc.timezone, 'hotFrom')));
          // The alarm is on from the lead: at the hour's start, or any time in the hour before.
          alarm.push(
            !!fc &&
              fc.windows.some(
                (w) =>
                  inWindow(w, t, fc.timezone, 'from') || inWindow(w, t - opts.lead * 60, fc.timezone, 'from'),
              ),
          );
          const y = n.load[k - 24];
          yesterday.push(y !== undefined && y >= opts.threshold);
        }
        const wasHot = n.load[to - 1]! >= opts.threshold;
        score(model, hot, predicted, alarm, wasHot);
        score(persistence, hot, yesterday, yesterday, wasHot);
      }
    }
    results[mapping] = {
      nodes: nodes.length,
      everHot,
      nodeDays,
      nodeDaysWithForecast: forecasts,
      noForecast: reasons,
      forecast: summary(model),
      persistence: summary(persistence),
    };
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
  writeFileSync(join(dir, 'forecast.json'), JSON.stringify(out, null, 2) + '\n');
  for (const [m, r] of Object.entries(results)) {
    const f = r.forecast;
    const p = r.persistence;
    console.log(
      `${m.padEnd(5)} nodes ${r.nodes} (ever hot ${r.everHot}), node-days ${r.nodeDays}, with a forecast ${r.nodeDaysWithForecast}`,
    );
    console.log(`      no forecast: ${JSON.stringify(r.noForecast)}`);
    console.log(
      `      forecast:    recall ${f.recall} (${f.eventsCaught}/${f.events} hot windows), precision ${f.precision} (${f.alarmsTrue}/${f.alarms} alarms); hours: recall ${f.hourRecall}, precision ${f.hourPrecision}`,
    );
    console.log(
      `      persistence: recall ${p.recall} (${p.eventsCaught}/${p.events}), precision ${p.precision} (${p.alarmsTrue}/${p.alarms}); hours: recall ${p.hourRecall}, precision ${p.hourPrecision}`,
    );
  }
  console.log(`${out.seconds} s; bench/results/forecast.json`);
}

await main();
