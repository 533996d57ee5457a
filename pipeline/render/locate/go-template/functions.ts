/**
 * The functions an app-of-apps template may call, with Go text/template's and Sprig's meaning as
 * Helm runs them. Where Helm would fail (a wrong argument type, `required` with nothing), so do we,
 * naming it. A function not listed is refused: its result is not guessed.
 */
import { stringify } from 'yaml';
import { goPrint } from './go-print.js';
import { TemplateRefusal } from './refusal.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

type Fn = (line: number, args: unknown[]) => unknown;

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Sprig's strval: strings as they are, anything else as fmt's %v. */
function strval(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '<nil>' : goPrint(v);
}

/** strconv.Quote for the characters values hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function typeName(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

function arity(name: string, line: number, args: unknown[], n: number, max = n): void {
  if (args.length < n || args.length > max)
    throw new TemplateRefusal(line, `wrong number of args for ${name}: want ${n}, got ${args.length}`);
}

function str(name: string, line: number, v: unknown): string {
  if (typeof v !== 'string')
    throw new TemplateRefusal(line, `${name}: wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}

function int(name: string, line: number, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TemplateRefusal(line, `${name}: wrong type for value; expected int; got ${typeName(v)}`);
  return v;
}

function empty(v: unknown): boolean {
  return !truth(v);
}

/** printf's verbs for the values templates print: %s, %v, %q and %%. */
function printf(line: number, format: string, args: unknown[]): string {
  let i = 0;
  const out = format.replace(/%([%a-zA-Z])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    if (!'svq'.includes(verb))
      throw new TemplateRefusal(line, `printf's %${verb} is not evaluated (Tidemark reads %s, %v and %q)`);
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    if (a === undefined || a === null) return verb === 'v' ? '<nil>' : `%!${verb}(<nil>)`;
    if (verb === 'v') return goPrint(a);
    if (typeof a !== 'string') return `%!${verb}(${typeName(a)}=${goPrint(a)})`;
    return verb === 'q' ? goQuote(a) : a;
  });
  if (/%[^%a-zA-Z]/.test(format))
    throw new TemplateRefusal(line, 'printf with flags or widths is not evaluated');
  return i < args.length
    ? `${out}%!(EXTRA ${args
        .slice(i)
        .map((a) => `${typeName(a)}=${goPrint(a)}`)
        .join(', ')})`
    : out;
}

/** sigs.k8s.io/yaml's output as Helm's toYaml leaves it (keys sorted, no trailing newline). */
function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  return stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function comparable(name: string, line: number, a: unknown): void {
  if (a === undefined || a === null || typeof a === 'number' || typeof a === 'object')
    throw new TemplateRefusal(
      line,
      `${name} on ${typeName(a)} is not evaluated (Go's types decide it: values.yaml numbers are float64, a template's are int)`,
    );
}

const TABLE: Record<string, Fn> = {
  and: (_l, a) => a.find((x) => !truth(x)) ?? a.at(-1),
  or: (_l, a) => a.find((x) => truth(x)) ?? a.at(-1),
  not: (l, a) => (arity('not', l, a, 1), !truth(a[0])),
  eq: (l, a) => {
    if (a.length < 2) throw new TemplateRefusal(l, 'missing argument for comparison');
    a.forEach((x) => comparable('eq', l, x));
    return a.slice(1).some((x) => x === a[0]);
  },
  ne: (l, a) => {
    arity('ne', l, a, 2);
    a.forEach((x) => comparable('ne', l, x));
    return a[0] !== a[1];
  },
  len: (l, a) => {
    arity('len', l, a, 1);
    const v = a[0];
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateRefusal(l, `len of ${typeName(v)}`);
  },
  index: (l, a) => {
    if (!a.length) throw new TemplateRefusal(l, 'wrong number of args for index: want at least 1 got 0');
    let v: any = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(v) && typeof k === 'number') {
        if (k < 0 || k >= v.length) throw new TemplateRefusal(l, `index out of range: ${k}`);
        v = v[k];
      } else if (v && typeof v === 'object' && !Array.isArray(v) && typeof k === 'string')
        v = Object.hasOwn(v, k) ? v[k] : undefined;
      else if (v === undefined || v === null) throw new TemplateRefusal(l, 'index of untyped nil');
      else throw new TemplateRefusal(l, `can't index item of type ${typeName(v)}`);
    }
    return v;
  },
  print: (_l, a) =>
    a
      .map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + strval(x))
      .join(''),
  printf: (l, a) => {
    if (!a.length) throw new TemplateRefusal(l, 'wrong number of args for printf: want at least 1 got 0');
    return printf(l, str('printf', l, a[0]), a.slice(1));
  },
  quote: (_l, a) =>
    a
      .filter((x) => x !== undefined && x !== null)
      .map((x) => goQuote(strval(x)))
      .join(' '),
  squote: (_l, a) =>
    a
      .filter((x) => x !== undefined && x !== null)
      .map((x) => `'${strval(x)}'`)
      .join(' '),
  default: (l, a) => {
    if (!a.length) throw new TemplateRefusal(l, 'wrong number of args for default: want at least 1 got 0');
    return a.length < 2 || empty(a[1]) ? a[0] : a[1];
  },
  empty: (l, a) => (arity('empty', l, a, 1), empty(a[0])),
  required: (l, a) => {
    arity('required', l, a, 2);
    const v = a[1];
    if (v === undefined || v === null || v === '')
      throw new TemplateRefusal(l, `required: ${str('required', l, a[0])} (Helm fails here too)`);
    return v;
  },
  ternary: (l, a) => (arity('ternary', l, a, 3), truth(a[2]) ? a[0] : a[1]),
  hasKey: (l, a) => {
    arity('hasKey', l, a, 2);
    const m = a[0];
    if (!m || typeof m !== 'object' || Array.isArray(m))
      throw new TemplateRefusal(l, `hasKey: wrong type for value; expected map; got ${typeName(m)}`);
    return Object.prototype.hasOwnProperty.call(m, str('hasKey', l, a[1]));
  },
  toString: (l: number, a: unknown[]) => (arity('toString', l, a, 1), strval(a[0])),
  toYaml: (l, a) => (arity('toYaml', l, a, 1), toYaml(a[0])),
  toJson: (l, a) => (arity('toJson', l, a, 1), a[0] === undefined ? 'null' : JSON.stringify(sortKeys(a[0]))),
  indent: (l, a) => (arity('indent', l, a, 2), indent(int('indent', l, a[0]), str('indent', l, a[1]))),
  nindent: (l, a) => (
    arity('nindent', l, a, 2),
    `\n${indent(int('nindent', l, a[0]), str('nindent', l, a[1]))}`
  ),
  lower: (l, a) => (arity('lower', l, a, 1), str('lower', l, a[0]).toLowerCase()),
  upper: (l, a) => (arity('upper', l, a, 1), str('upper', l, a[0]).toUpperCase()),
  trim: (l, a) => (arity('trim', l, a, 1), str('trim', l, a[0]).trim()),
  trimPrefix: (l, a) => {
    arity('trimPrefix', l, a, 2);
    const [p, s] = [str('trimPrefix', l, a[0]), str('trimPrefix', l, a[1])];
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  trimSuffix: (l, a) => {
    arity('trimSuffix', l, a, 2);
    const [p, s] = [str('trimSuffix', l, a[0]), str('trimSuffix', l, a[1])];
    return p && s.endsWith(p) ? s.slice(0, -p.length) : s;
  },
  replace: (l, a) => {
    arity('replace', l, a, 3);
    return str('replace', l, a[2])
      .split(str('replace', l, a[0]))
      .join(str('replace', l, a[1]));
  },
};

/** The functions by name (a Map: no name reaches Object's own members). */
export const FUNCTIONS: ReadonlyMap<string, Fn> = new Map(Object.entries(TABLE));

/** Why a function Helm has is not evaluated here. */
export const REFUSED_FUNCTIONS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    include: 'named templates from _helpers.tpl are not evaluated',
    template: 'named templates from _helpers.tpl are not evaluated',
    tpl: 'a template inside a value is not evaluated',
    lookup: 'it reads the live cluster at install time',
  }),
);
