/**
 * A batch's selector as remote read label matchers: the same series `matchers()` in queries.ts
 * selects in PromQL. Regular expressions are anchored by the server, as in PromQL.
 */
import { ConfigError } from '../../../core/errors.js';
import { reEscape, type BatchSelector } from '../queries.js';
import { MATCH, type LabelMatcher, type MatchType } from './messages.js';

export function batchMatchers(metric: string, sel: BatchSelector): LabelMatcher[] {
  const out: LabelMatcher[] = [
    { type: MATCH.EQ, name: '__name__', value: metric },
    { type: MATCH.EQ, name: 'namespace', value: sel.namespace },
  ];
  if (sel.pods.length === 1) out.push({ type: MATCH.EQ, name: 'pod', value: sel.pods[0]! });
  else if (sel.pods.length > 1)
    out.push({ type: MATCH.RE, name: 'pod', value: sel.pods.map(reEscape).join('|') });
  out.push(
    { type: MATCH.NEQ, name: 'container', value: '' },
    { type: MATCH.NEQ, name: 'container', value: 'POD' },
  );
  out.push(...parseSelector(sel.extra));
  return out;
}

const OPS: Record<string, MatchType> = { '=': MATCH.EQ, '!=': MATCH.NEQ, '=~': MATCH.RE, '!~': MATCH.NRE };
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '`': '`',
};

/**
 * The config's `selector` (PromQL label matchers, e.g. `cluster="prod-gz", env=~"a|b"`) as
 * matchers. PromQL splices it into every query; remote read needs it parsed.
 */
export function parseSelector(text: string | undefined): LabelMatcher[] {
  const s = text?.trim() ?? '';
  const out: LabelMatcher[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new ConfigError(`selector ${JSON.stringify(s)}: ${why} at character ${i + 1}`, {
      field: 'metrics.prometheus.selector',
    });
  };
  const skip = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  while (i < s.length) {
    skip();
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i))?.[0] ?? fail('expected a label name');
    i += name.length;
    skip();
    const op = /^(=~|!~|!=|=)/.exec(s.slice(i))?.[0] ?? fail('expected =, !=, =~ or !~');
    i += op.length;
    skip();
    const quote = s[i];
    if (quote !== '"' && quote !== "'" && quote !== '`') fail('expected a quoted value');
    i++;
    let value = '';
    while (i < s.length && s[i] !== quote) {
      if (s[i] === '\\' && quote !== '`') {
        const e = ESCAPES[s[i + 1] ?? ''];
        if (e === undefined) fail('unsupported escape');
        value += e;
        i += 2;
      } else value += s[i++];
    }
    if (i >= s.length) fail('unterminated value');
    i++;
    out.push({ type: OPS[op]!, name, value });
    skip();
    if (i < s.length) {
      if (s[i] !== ',') fail('expected a comma');
      i++;
    }
  }
  return out;
}
