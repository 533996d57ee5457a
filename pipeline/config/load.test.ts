import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { ConfigError } from '../core/errors.js';
import { tempRepo } from '../testing/temp-repo.js';

/** A config beside a snapshot folder and a repository folder, with these cluster settings. */
function configWith(settings: string, metrics = '{ openmetrics: metrics.om }'): string {
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
      `    metrics: ${metrics}`,
      '    repo: { path: gitops/ }',
      `    settings: ${settings}`,
      '',
    ].join('\n'),
  );
  return file;
}

function errorOf(file: string): ConfigError {
  try {
    loadConfig(file);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config: cluster settings', () => {
  it('accepts the autoscaling and overcommit settings', () => {
    const c = loadConfig(
      configWith(
        '{ autoscaling: { cronForm: aliyun, timezone: Asia/Shanghai, controllerTimezone: UTC }, overcommit: { form: koordinator, poolLabel: pool } }',
      ),
    );
    expect(c.clusters[0]!.settings).toMatchObject({ overcommit: { form: 'koordinator' } });
  });

  it('names the file and field of a timezone that does not exist', () => {
    const file = configWith('{ autoscaling: { cronForm: keda, timezone: Mars/Olympus } }');
    const err = errorOf(file);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/"Mars\/Olympus" is not an IANA timezone/);
    expect(err.context).toMatchObject({ file, field: 'clusters[0].settings.autoscaling.timezone' });
  });

  it("accepts a cluster's own overcommit ceilings and margin, and names a wrong one", () => {
    const c = loadConfig(
      configWith('{ overcommit: { form: koordinator, cpu: { maxRatio: 1.4 }, margin: 0.2 } }'),
    );
    expect(c.clusters[0]!.settings.overcommit).toMatchObject({ cpu: { maxRatio: 1.4 }, margin: 0.2 });
    expect(errorOf(configWith('{ overcommit: { cpu: { maxRatio: 20 } } }')).message).toMatch(
      /overcommit\.cpu\.maxRatio|maxRatio/,
    );
  });

  it('rejects an unknown cron or overcommit form, naming the field', () => {
    expect(errorOf(configWith('{ autoscaling: { cronForm: kubecron } }')).message).toMatch(/cronForm/);
    expect(errorOf(configWith('{ overcommit: { form: volcano } }')).message).toMatch(/overcommit\.form/);
  });
});

describe('config: analyzer arguments', () => {
  /** The configWith config, with an `analyzers:` section appended. */
  const withAnalyzers = (analyzers: string) => {
    const file = configWith('{}');
    writeFileSync(file, `${readFileSync(file, 'utf8')}analyzers: ${analyzers}\n`);
    return file;
  };

  it('accepts overcommit ceilings, margin, thresholds and raise step', () => {
    const c = loadConfig(
      withAnalyzers(
        '{ overcommit: { cpu: { maxRatio: 1.5, threshold: 0.8 }, memory: { maxRatio: 1.1 }, margin: 0.15, raiseStep: 0.05, tierLabel: tier } }',
      ),
    );
    expect(c.analyzers.overcommit).toEqual({
      cpu: { maxRatio: 1.5, threshold: 0.8 },
      memory: { maxRatio: 1.1 },
      margin: 0.15,
      raiseStep: 0.05,
      tierLabel: 'tier',
    });
  });

  it('rejects an out-of-range or misspelled overcommit argument, naming the field', () => {
    const high = errorOf(withAnalyzers('{ overcommit: { memory: { maxRatio: 20 } } }'));
    expect(high).toBeInstanceOf(ConfigError);
    expect(high.context).toMatchObject({ field: 'analyzers.overcommit.memory.maxRatio' });
    const typo = errorOf(withAnalyzers('{ overcommit: { raiseSteps: 0.2 } }'));
    expect(typo.message).toMatch(/not a known field/);
    expect(typo.context).toMatchObject({ field: 'analyzers.overcommit.raiseSteps' });
  });
});

describe('config: metrics.prometheus.read', () => {
  const prom = (read: string): string => `{ prometheus: { url: "http://127.0.0.1:9090", read: ${read} } }`;
  it('accepts promql and remote-read', () => {
    for (const read of ['promql', 'remote-read']) {
      const c = loadConfig(configWith('{}', prom(read)));
      expect(c.clusters[0]!.metrics).toEqual({ prometheus: { url: 'http://127.0.0.1:9090', read } });
    }
  });
  it('refuses another way of reading, naming the field', () => {
    const e = errorOf(configWith('{}', prom('grpc')));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/metrics\.prometheus\.read|metrics\/prometheus\/read/);
  });
});
