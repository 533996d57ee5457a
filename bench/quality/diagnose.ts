/** Per-shape breakdown of one recommender's replay, for tuning (not part of the published table). */
import type { ReplayResult } from './replay.js';
import type { Workload } from './shapes.js';

export function byShape(r: ReplayResult, workloads: Workload[]): string {
  const shapes = [...new Set(workloads.map((w) => w.shape))];
  const lines = [
    `${r.recommender}: shape  oom-days  changes/30d(mean,max)  mem-slack(med)  cpu-slack(med)  ΣGiB  Σcores`,
  ];
  for (const shape of shapes) {
    const idx = workloads.map((w, i) => (w.shape === shape ? i : -1)).filter((i) => i >= 0);
    const days = idx.flatMap((i) => r.days[i]!);
    const changes = idx.map((i) => (r.days[i]!.filter((d) => d.changed).length * 30) / r.judgedDays);
    const med = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
    const gib = days.reduce((a, d) => a + d.mem, 0) / r.judgedDays / 2 ** 30;
    const cores = days.reduce((a, d) => a + d.cpu, 0) / r.judgedDays / 1000;
    lines.push(
      `  ${shape.padEnd(8)} ${String(days.filter((d) => d.wouldOom).length).padStart(4)}  ${(changes.reduce((a, b) => a + b, 0) / changes.length).toFixed(1).padStart(5)} ${Math.max(
        ...changes,
      )
        .toFixed(1)
        .padStart(
          5,
        )}  ${(med(days.map((d) => d.memSlack)) * 100).toFixed(0).padStart(4)}%  ${(med(days.map((d) => d.cpuSlack)) * 100).toFixed(0).padStart(4)}%  ${gib.toFixed(1).padStart(6)} ${cores.toFixed(1).padStart(6)}`,
    );
  }
  return lines.join('\n');
}
