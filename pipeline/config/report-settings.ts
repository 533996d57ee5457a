/**
 * The `report:` section of the config (schemas/tidemark/config-report.schema.json): how the cost
 * report groups workloads into teams, which workloads are core, the period it compares, and
 * where it is published. Read by plan (teams and core go into plan.json) and by `tidemark report`.
 */
import { parseDuration } from '../core/duration.js';
import type { PipelineConfig } from './types.js';

export interface ReportSettings {
  teams: {
    /** A workload label, then the same label on its namespace. */
    label?: string;
    /** namespace → team, for namespaces the label does not cover. */
    namespaces: Record<string, string>;
  };
  core: {
    /** A label or annotation with this key and the value "true" marks a workload as core. */
    key: string;
    /** Workloads right-sized under the `latency` profile count as core. */
    latencyProfile: boolean;
  };
  /** The period compared with the one before (seconds). */
  periodSeconds: number;
  /** Where the report is published (GitHub Pages); each PR body links it. */
  url?: string;
}

export const DEFAULT_CORE_KEY = 'tidemark.io/core';
export const DEFAULT_PERIOD = '30d';

interface RawReport {
  teams?: { label?: string; namespaces?: Record<string, string> };
  core?: { key?: string; latencyProfile?: boolean };
  period?: string;
  url?: string;
}

export function reportSettingsFrom(config: Pick<PipelineConfig, 'raw'> | undefined): ReportSettings {
  const raw = (config?.raw.report ?? {}) as RawReport;
  return {
    teams: { label: raw.teams?.label, namespaces: raw.teams?.namespaces ?? {} },
    core: { key: raw.core?.key ?? DEFAULT_CORE_KEY, latencyProfile: raw.core?.latencyProfile ?? true },
    periodSeconds: parseDuration(raw.period ?? DEFAULT_PERIOD),
    ...(raw.url ? { url: raw.url } : {}),
  };
}
