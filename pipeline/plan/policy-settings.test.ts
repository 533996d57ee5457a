import { checkPolicySettings } from './run.js';
import { getAnalyzers } from '../analyze/api.js';
import { ConfigError } from '../core/errors.js';
import type { PolicyDoc } from '../policy/types.js';

const policy = (settings: PolicyDoc['settings']): { policies: PolicyDoc[] } => ({
  policies: [
    { name: 'batch', file: '/repo/policies/batch.yaml', priority: 10, selector: {}, settings, rules: {} },
  ],
});

describe('plan: policy settings are analyzer arguments', () => {
  it('accepts valid settings for a known analyzer', () => {
    expect(() =>
      checkPolicySettings(policy({ hpa: { allowSingletons: true, ceilingHeadroom: 1 } }), getAnalyzers()),
    ).not.toThrow();
  });

  it('names the file, the policy and the field of a misspelled or invalid setting', () => {
    const err = (() => {
      try {
        checkPolicySettings(policy({ hpa: { allowSingleton: true } }), getAnalyzers());
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/is not a known field/);
    expect(err!.context).toMatchObject({
      file: '/repo/policies/batch.yaml',
      object: 'Policy batch',
      field: 'spec.settings.hpa.allowSingleton',
    });
    expect(() => checkPolicySettings(policy({ cronhpa: { leadMinutes: -5 } }), getAnalyzers())).toThrow(
      /must be >= 0/,
    );
    expect(() => checkPolicySettings(policy({ autoscaler: {} }), getAnalyzers())).toThrow(
      /unknown analyzer "autoscaler"/,
    );
  });
});
