/**
 * Helm charts: which values path feeds a container's `resources`. We read the chart's templates
 * (never edit them) for `toYaml .Values.<path>.resources` inside the container block, or take the
 * path from config when templates cannot tell.
 */
import { posix } from 'node:path';
import { parse } from 'yaml';
import type { HelmReleaseConfig } from '../../config/types.js';
import type { RepoIndex } from './repo-index.js';
import { normalize } from './repo-index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const RESOURCES_RE =
  /(?:toYaml\s+\(?\s*\.Values\.(?:([A-Za-z0-9_.]+?)\.)?resources\b|\.Values\.(?:([A-Za-z0-9_.]+?)\.)?resources\s*\|\s*toYaml)/;

export function isChart(index: RepoIndex, dir: string): boolean {
  return index.exists(normalize(posix.join(dir, 'Chart.yaml')));
}

/**
 * Values path (dotted, ending in `resources`) for one container of one workload kind, or the
 * reason it cannot be told.
 */
export function resourcesPathFor(
  index: RepoIndex,
  chartDir: string,
  kind: string,
  workloadName: string,
  container: string,
  configured?: HelmReleaseConfig,
): { path: string[] } | { error: string; literal?: boolean } {
  const fromConfig = configured?.workloads?.find(
    (w) => w.kind === kind && w.name === workloadName && w.container === container,
  );
  if (fromConfig) return { path: fromConfig.resourcesPath.split('.') };
  const values = chartValues(index, chartDir);
  const candidates = new Set<string>();
  // Each template document of this kind, with the name it renders: one chart often renders many
  // workloads whose containers share a name ("server"), told apart by metadata.name.
  const docs: { name: string; lines: string[] }[] = [];
  for (const file of index.yamlFiles(normalize(posix.join(chartDir, 'templates')))) {
    const text = index.read(file);
    if (!new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(text)) continue;
    for (const part of text.split(/^---\s*$/m)) {
      if (!new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(part)) continue;
      const meta = /^metadata:\s*\r?\n(?:[ \t]*(?:#.*|\{\{.*)?\r?\n)*?[ \t]+name:\s*(.+?)\s*$/m.exec(part);
      docs.push({ name: meta ? resolveName(meta[1]!, values) : '*', lines: part.split(/\r?\n/) });
    }
  }
  const exact = docs.filter((d) => d.name === workloadName);
  let seen = false;
  for (const { lines } of exact.length ? exact : docs.filter((d) => d.name === '*')) {
    let currentContainer: string | undefined;
    // Only `- name:` items of a containers list name a container (not ports' or env's).
    let itemIndent: number | undefined;
    let inContainers = false;
    for (const line of lines) {
      if (/^\s*(initContainers|containers):\s*$/.test(line)) {
        inContainers = true;
        itemIndent = undefined;
        continue;
      }
      const name = /^(\s*)-\s*name:\s*(.+?)\s*$/.exec(line);
      if (name && inContainers && (itemIndent === undefined || name[1]!.length === itemIndent)) {
        itemIndent = name[1]!.length;
        currentContainer = resolveName(name[2]!, values);
        if (currentContainer === container) seen = true;
      }
      const m = RESOURCES_RE.exec(line);
      if (m && (currentContainer === container || currentContainer === '*'))
        candidates.add((m[1] ?? m[2]) ? `${m[1] ?? m[2]}.resources` : 'resources');
    }
  }
  if (candidates.size === 1) return { path: [...candidates][0]!.split('.') };
  if (candidates.size === 0)
    return seen
      ? {
          error: `the chart's template writes container ${container}'s resources itself, not from .Values: no values key sets them, and templates are never edited`,
          literal: true,
        }
      : {
          error: `no template in ${chartDir}/templates renders resources for container ${container} from .Values (set repo.helm[].workloads[].resourcesPath in the config)`,
        };
  return {
    error: `several values paths could set container ${container}'s resources: ${[...candidates].join(', ')}`,
  };
}

/** Whether a chart's templates render an object of this kind under exactly this name. */
export function chartRenders(index: RepoIndex, chartDir: string, kind: string, name: string): boolean {
  const values = chartValues(index, chartDir);
  for (const file of index.yamlFiles(normalize(posix.join(chartDir, 'templates')))) {
    const text = index.read(file);
    for (const part of text.split(/^---\s*$/m)) {
      if (!new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(part)) continue;
      const meta = /^metadata:\s*\r?\n(?:[ \t]*(?:#.*|\{\{.*)?\r?\n)*?[ \t]+name:\s*(.+?)\s*$/m.exec(part);
      if (meta && resolveName(meta[1]!, values) === name) return true;
    }
  }
  return false;
}

/** A container name in a template: literal, `{{ .Values.x.name }}`, or unknowable ('*'). */
function resolveName(raw: string, values: any): string {
  const v = raw.replace(/^["']|["']$/g, '');
  if (!v.includes('{{')) return v;
  const m = /\{\{-?\s*\.Values\.([A-Za-z0-9_.]+)\s*-?\}\}/.exec(v);
  if (m) {
    const got = m[1]!.split('.').reduce((acc: any, k) => acc?.[k], values);
    if (typeof got === 'string') return got;
  }
  return '*';
}

export function chartValues(index: RepoIndex, chartDir: string): any {
  const f = normalize(posix.join(chartDir, 'values.yaml'));
  if (!index.exists(f)) return {};
  try {
    return parse(index.read(f)) ?? {};
  } catch {
    return {};
  }
}

/** Keys a chart reads under `.Values.<prefix>.autoscaling` (helm create's layout), by template scan. */
export function autoscalingValuesFor(
  index: RepoIndex,
  chartDir: string,
  kind: string,
  workloadName: string,
  container: string,
  configured?: HelmReleaseConfig,
): { prefix: string[]; keys: Set<string>; where: string } | { error: string } {
  const resources = resourcesPathFor(index, chartDir, kind, workloadName, container, configured);
  if ('error' in resources)
    return { error: `cannot tell which values belong to ${kind} ${workloadName}: ${resources.error}` };
  const prefix = resources.path.slice(0, -1);
  const dotted = prefix.length ? `${prefix.join('\\.')}\\.` : '';
  const re = new RegExp(`\\.Values\\.${dotted}autoscaling\\.([A-Za-z]+)`, 'g');
  const keys = new Set<string>();
  for (const file of index.yamlFiles(normalize(posix.join(chartDir, 'templates')))) {
    for (const m of index.read(file).matchAll(re)) keys.add(m[1]!);
  }
  const where = `.Values.${prefix.length ? `${prefix.join('.')}.` : ''}autoscaling`;
  if (!keys.has('minReplicas') || !keys.has('maxReplicas'))
    return {
      error: `the chart's templates read no ${where}.minReplicas/maxReplicas, so an HPA cannot be added to this Helm release from its values`,
    };
  return { prefix, keys, where };
}
