import { batchMatchers, parseSelector } from './matchers.js';
import { MATCH } from './messages.js';
import { ConfigError } from '../../../core/errors.js';

describe('remote read matchers', () => {
  it("parses the config's selector as PromQL does, quotes and escapes included", () => {
    expect(
      parseSelector(' cluster="prod-gz", env =~ \'a|b\' ,job!~`kube.*\\d`, x!="say \\"hi\\"\\n"'),
    ).toEqual([
      { type: MATCH.EQ, name: 'cluster', value: 'prod-gz' },
      { type: MATCH.RE, name: 'env', value: 'a|b' },
      { type: MATCH.NRE, name: 'job', value: 'kube.*\\d' },
      { type: MATCH.NEQ, name: 'x', value: 'say "hi"\n' },
    ]);
    expect(parseSelector(undefined)).toEqual([]);
    expect(parseSelector('  ')).toEqual([]);
  });

  it('refuses a selector it cannot read, naming the field and the place', () => {
    for (const [text, why] of [
      ['cluster=prod', 'expected a quoted value at character 9'],
      ['cluster="prod', 'unterminated value at character 14'],
      ['cluster=="x"', 'expected a quoted value at character 9'],
      ['a="1" b="2"', 'expected a comma at character 7'],
    ] as const) {
      const e = (() => {
        try {
          parseSelector(text);
        } catch (err) {
          return err as ConfigError;
        }
        throw new Error(`accepted ${text}`);
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.message).toBe(`metrics.prometheus.selector: selector ${JSON.stringify(text)}: ${why}`);
    }
  });

  it("selects a batch's pods as queries.ts does: one by name, several by an escaped regex", () => {
    expect(batchMatchers('m', { namespace: 'shop', pods: ['web-1.a'], extra: 'cluster="c1"' })).toEqual([
      { type: MATCH.EQ, name: '__name__', value: 'm' },
      { type: MATCH.EQ, name: 'namespace', value: 'shop' },
      { type: MATCH.EQ, name: 'pod', value: 'web-1.a' },
      { type: MATCH.NEQ, name: 'container', value: '' },
      { type: MATCH.NEQ, name: 'container', value: 'POD' },
      { type: MATCH.EQ, name: 'cluster', value: 'c1' },
    ]);
    const several = batchMatchers('m', { namespace: 'shop', pods: ['web-1.a', 'web-(2)'] });
    expect(several[2]).toEqual({ type: MATCH.RE, name: 'pod', value: 'web-1\\.a|web-\\(2\\)' });
    expect(batchMatchers('m', { namespace: 'shop', pods: [] }).map((m) => m.name)).toEqual([
      '__name__',
      'namespace',
      'container',
      'container',
    ]);
  });
});
