/**
 * Tidemark in the real-trace replay, through the product's own path: every `planEveryDays` the
 * cluster snapshot, the OpenMetrics file and the config are written as of that day's midnight,
 * `tidemark apply` (the CLI's main(), in this process) plans and commits its edits on a branch
 * with the commit dated that midnight, the branch is merged into main, and the requests in force
 * are whatever the manifests on main then say. The next plan reads its own change trailers from
 * that history, as a scheduled job does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { createLogger } from '../../../pipeline/core/logger.js';
import type { Recommender, WorkloadState } from '../recommenders/types.js';
import type { RealSet } from './set.js';
import { DAY } from './trace.js';
import {
  createWorkspace,
  cpuCounter,
  git,
  readRequests,
  setAnalysisTime,
  writeMetrics,
  writeSnapshot,
  type VariantSpec,
  type Workspace,
} from './workspace.js';

export interface PlanDayStats {
  day: number;
  ms: number;
  accepted: number;
  clamped: number;
  rejected: number;
  changed: number;
  /** Rule → how many proposals it acted on (clamped or dropped). */
  rules: Record<string, number>;
}

export interface TidemarkReal extends Recommender {
  stats: PlanDayStats[];
  cleanup(): void;
}

export function tidemarkReal(
  set: RealSet,
  variant: VariantSpec,
  opts: { planEveryDays?: number; keep?: boolean; workDir?: string } = {},
): TidemarkReal {
  const every = opts.planEveryDays ?? 2;
  const dir =
    opts.workDir ?? mkdtempSync(join(tmpdir(), `tidemark-quality-${variant.name.replace(/\W+/g, '-')}-`));
  let ws: Workspace | undefined;
  const counters = new Map<string, Float64Array>();
  const stats: PlanDayStats[] = [];
  const vmOf = (s: WorkloadState): number => set.byId.get(s.w.id)!.vm;

  return {
    name: `tidemark, ${variant.name}`,
    stats,
    cleanup() {
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
    async decideDay(day, states) {
      const at = set.trace.start + day * DAY;
      ws ??= await createWorkspace(
        dir,
        states.map((s) => ({ vm: vmOf(s), requests: { cpu: s.cpu, mem: s.mem } })),
        variant,
        set.trace.start,
      );
      if ((day - set.firstDay) % every !== 0) return;
      const t0 = Date.now();
      const kills = (s: WorkloadState) =>
        s.ooms.map((o) => ({ time: set.trace.start + o.time, limit: o.limit })).filter((k) => k.time < at);
      writeSnapshot(
        ws,
        states.map((s) => ({
          vm: vmOf(s),
          requests: { cpu: s.cpu, mem: s.mem },
          kills: kills(s),
          startedAt: set.byId.get(s.w.id)!.time[0]!,
        })),
        at,
      );
      await writeMetrics(
        ws,
        states.map((s) => {
          const trace = set.byId.get(s.w.id)!;
          let c = counters.get(s.w.id);
          if (!c) counters.set(s.w.id, (c = cpuCounter(trace)));
          return { vm: vmOf(s), trace, cpuCounter: c, kills: kills(s) };
        }),
        at - 14 * DAY - 600,
        at,
      );
      setAnalysisTime(ws, at);
      const branch = `tidemark/day-${day}`;
      const out = join(dir, `out-day-${day}`);
      const code = await main(['apply', '--config', ws.config, '--branch', branch, '--out', out], {
        logger: createLogger({ level: 'error', format: 'json' }),
        stdout: () => {},
      });
      if (code !== 0)
        throw new Error(`tidemark apply (${variant.name}, day ${day}) exited ${code}; see ${dir}`);
      if (git(ws.repo, at, 'branch', '--list', branch).trim()) {
        // Merged the day it was planned: the commit with its trailers dated that midnight.
        git(ws.repo, at, 'merge', '--ff-only', '-q', branch);
        git(
          ws.repo,
          at,
          'commit',
          '--amend',
          '--no-edit',
          '-q',
          `--date=${new Date(at * 1000).toISOString()}`,
        );
      }
      let changed = 0;
      for (const s of states) {
        const r = readRequests(ws, vmOf(s));
        if (r.cpu !== s.cpu || r.mem !== s.mem) changed++;
        s.cpu = r.cpu;
        s.mem = r.mem;
      }
      stats.push({ day, ms: Date.now() - t0, changed, ...planStats(join(out, 'plan.json')) });
    },
  };
}

function planStats(file: string): Omit<PlanDayStats, 'day' | 'ms' | 'changed'> {
  const s = { accepted: 0, clamped: 0, rejected: 0, rules: {} as Record<string, number> };
  if (!existsSync(file)) return s;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    clusters: { recommendations: { analyzer: string; decision: string; outcomes: { rule: string }[] }[] }[];
  };
  for (const r of doc.clusters.flatMap((c) => c.recommendations)) {
    if (r.analyzer !== 'rightsize') continue;
    s[r.decision as 'accepted' | 'clamped' | 'rejected']++;
    for (const o of r.outcomes) s.rules[o.rule] = (s.rules[o.rule] ?? 0) + 1;
  }
  return s;
}
