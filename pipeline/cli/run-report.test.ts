import type { PipelineConfig } from '../config/types.js';
import { reportUrlFor } from './run-report.js';

/** Only `raw.report` is read. */
const config = (report?: Record<string, unknown>): PipelineConfig =>
  ({ raw: report ? { report } : {} }) as unknown as PipelineConfig;

const actions = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/gitops',
  GITHUB_RUN_ID: '4242',
};

describe('cli/run-report: where a PR body points for the cost board', () => {
  it('report.url first, even inside Actions', () => {
    expect(reportUrlFor(config({ url: 'https://acme.github.io/gitops/' }), actions)).toBe(
      'https://acme.github.io/gitops/',
    );
  });

  it('else the Actions run whose artifacts hold report.html', () => {
    expect(reportUrlFor(config(), actions)).toBe('https://github.com/acme/gitops/actions/runs/4242');
  });

  it('else nowhere: outside Actions, or with its variables incomplete', () => {
    expect(reportUrlFor(config(), {})).toBeUndefined();
    expect(reportUrlFor(config(), { ...actions, GITHUB_RUN_ID: undefined })).toBeUndefined();
    expect(reportUrlFor(config(), { ...actions, GITHUB_ACTIONS: 'false' })).toBeUndefined();
  });
});
