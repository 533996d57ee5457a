import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { reportSettingsFrom } from './report-settings.js';
import type { ConfigError } from '../core/errors.js';
import { tempRepo } from '../testing/temp-repo.js';

function configWith(extra: string[]): string {
  const dir = tempRepo({ 'gitops/README.md': 'repo\n', 'metrics.om': '# EOF\n' }, 'tidemark-config-');
  mkdirSync(join(dir, 'cluster'));
  const file = join(dir, 'tidemark.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      '  - name: demo',
      '    kubernetes: { snapshot: cluster/ }',
      '    metrics: { openmetrics: metrics.om }',
      '    repo: { path: gitops/ }',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

describe('config/report-settings', () => {
  it('reads teams, core, period, url and where prices come from', () => {
    const c = loadConfig(
      configWith([
        'prices: { cpuCoreHour: 0.04, memoryGiBHour: 0.005, from: opencost }',
        'report:',
        '  teams: { label: team, namespaces: { shop: storefront } }',
        '  core: { key: example.com/tier-one, latencyProfile: false }',
        '  period: 7d',
        '  url: https://platform.github.io/costs/',
      ]),
    );
    expect(c.prices).toEqual({ cpuCoreHour: 0.04, memoryGiBHour: 0.005, currency: 'USD', from: 'opencost' });
    expect(reportSettingsFrom(c)).toEqual({
      teams: { label: 'team', namespaces: { shop: 'storefront' } },
      core: { key: 'example.com/tier-one', latencyProfile: false },
      periodSeconds: 7 * 86400,
      url: 'https://platform.github.io/costs/',
    });
  });

  it('defaults: no teams, core by tidemark.io/core or the latency profile, a 30-day period, config prices', () => {
    const c = loadConfig(configWith([]));
    expect(c.prices.from).toBeUndefined();
    expect(reportSettingsFrom(c)).toEqual({
      teams: { label: undefined, namespaces: {} },
      core: { key: 'tidemark.io/core', latencyProfile: true },
      periodSeconds: 30 * 86400,
    });
  });

  it('names the field of a wrong report setting or price source', () => {
    const bad = (extra: string[]): ConfigError => {
      try {
        loadConfig(configWith(extra));
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad(['report: { teams: { namespaces: { shop: "" } } }']).message).toMatch(
      /report\.teams\.namespaces\.shop/,
    );
    expect(bad(['report: { period: soon }']).message).toMatch(/report\.period/);
    expect(bad(['prices: { from: kubecost-api }']).message).toMatch(
      /prices\.from.*must be one of "config", "opencost"/,
    );
  });
});
