/**
 * Evaluates a parsed template (parse.ts) against Helm's top-level objects the way `helm template`
 * would, for the forms app-of-apps charts use: `.Values` paths, variables, `range`/`with`/`if`, and
 * the functions of functions.ts. What Git cannot tell (`.Release` without a known release,
 * `.Capabilities`, `.Files`) and what Helm itself fails on are refused with the line, never guessed.
 */
import type { Node, Operand, Pipeline } from './parse.js';
import { parseTemplate } from './parse.js';
import { FUNCTIONS, REFUSED_FUNCTIONS, truth } from './functions.js';
import { goPrint } from './go-print.js';
import { TemplateRefusal } from './refusal.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A top-level object the template may not read, and why. */
export class Unknowable {
  constructor(readonly why: string) {}
}

/** A Go struct (`.Chart`, `.Release`): a field it does not have fails, as in Helm. */
export class GoStruct {
  constructor(
    readonly type: string,
    readonly fields: Record<string, unknown>,
  ) {}
}

export interface TemplateScope {
  Values: Record<string, unknown>;
  Chart: GoStruct;
  Release: GoStruct | Unknowable;
}

export function evaluateTemplate(src: string, scope: TemplateScope): string {
  const root = new GoStruct('chartutil.Values', {
    Values: scope.Values,
    Chart: scope.Chart,
    Release: scope.Release,
    Capabilities: new Unknowable('`.Capabilities` is the cluster Helm installs into, not in Git'),
    Files: new Unknowable("`.Files` is not evaluated (a chart's files are read only as values.yaml)"),
    Template: new Unknowable('`.Template` is not evaluated'),
    Subcharts: new Unknowable('`.Subcharts` is not evaluated'),
  });
  const vars: Map<string, unknown>[] = [new Map([['$', root]])];
  return run(parseTemplate(src), root, vars);
}

function run(nodes: Node[], dot: unknown, vars: Map<string, unknown>[]): string {
  let out = '';
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.text;
        break;
      case 'action': {
        const v = pipeline(n.pipe, dot, vars);
        if (!n.pipe.decl) out += printable(v, n.pipe.line);
        break;
      }
      case 'if':
      case 'with': {
        const scope = [...vars, new Map<string, unknown>()];
        const v = pipeline(n.pipe, dot, scope);
        if (truth(v)) out += run(n.then, n.t === 'with' ? v : dot, scope);
        else if (n.else) out += run(n.else, dot, [...vars, new Map()]);
        break;
      }
      case 'range': {
        const { decl, ...rest } = n.pipe;
        const v = pipeline(rest, dot, vars);
        const items = rangeItems(v, n.pipe.line);
        if (!items.length) {
          if (n.else) out += run(n.else, dot, [...vars, new Map()]);
          break;
        }
        for (const [k, item] of items) {
          const scope = new Map<string, unknown>();
          if (decl?.names.length === 1) scope.set(decl.names[0]!, item);
          if (decl?.names.length === 2) {
            scope.set(decl.names[0]!, k);
            scope.set(decl.names[1]!, item);
          }
          out += run(n.then, item, [...vars, scope]);
        }
        break;
      }
    }
  }
  return out;
}

function rangeItems(v: unknown, line: number): [unknown, unknown][] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (typeof v === 'object' && !(v instanceof GoStruct) && !(v instanceof Unknowable))
    return Object.keys(v)
      .sort()
      .map((k) => [k, (v as Record<string, unknown>)[k]]);
  throw new TemplateRefusal(line, `range can't iterate over ${goPrint(v)}`);
}

function printable(v: unknown, line: number): string {
  if (v instanceof Unknowable) throw new TemplateRefusal(line, v.why);
  if (v instanceof GoStruct) throw new TemplateRefusal(line, `prints the whole ${v.type}`);
  return goPrint(v);
}

function pipeline(p: Pipeline, dot: unknown, vars: Map<string, unknown>[]): unknown {
  let value: unknown;
  p.cmds.forEach((cmd, i) => {
    const [head, ...rest] = cmd.args;
    const piped = i > 0 ? [value] : [];
    if (head!.t === 'ident') {
      const name = head!.name;
      const fn = FUNCTIONS.get(name);
      if (!fn)
        throw new TemplateRefusal(
          p.line,
          REFUSED_FUNCTIONS.has(name)
            ? `\`${name}\` is not evaluated: ${REFUSED_FUNCTIONS.get(name)}`
            : `\`${name}\` is not a function Tidemark evaluates (${[...FUNCTIONS.keys()].join(', ')})`,
        );
      value = fn(p.line, [...rest.map((a) => operand(a, dot, vars, p.line)), ...piped]);
      return;
    }
    if (rest.length || piped.length) throw new TemplateRefusal(p.line, "can't give argument to non-function");
    value = operand(head!, dot, vars, p.line);
  });
  if (p.decl) {
    const name = p.decl.names[0]!;
    if (p.decl.assign) {
      const scope = [...vars].reverse().find((s) => s.has(name));
      if (!scope) throw new TemplateRefusal(p.line, `undefined variable: ${name}`);
      scope.set(name, value);
    } else vars[vars.length - 1]!.set(name, value);
  }
  return value;
}

function operand(o: Operand, dot: unknown, vars: Map<string, unknown>[], line: number): unknown {
  switch (o.t) {
    case 'dot':
      return fields(dot, o.fields, line, '');
    case 'var': {
      const scope = [...vars].reverse().find((s) => s.has(o.name));
      if (!scope) throw new TemplateRefusal(line, `undefined variable: ${o.name}`);
      return fields(scope.get(o.name), o.fields, line, o.name);
    }
    case 'string':
    case 'number':
    case 'bool':
      return o.value;
    case 'nil':
      return null;
    case 'ident':
      throw new TemplateRefusal(line, `\`${o.name}\` as an argument (call it in parentheses)`);
    case 'paren':
      return pipeline(o.pipe, dot, vars);
  }
}

/** `.a.b.c` from a value: maps give nil for a missing key, nil or a scalar fails as in Helm. */
function fields(v: unknown, path: string[], line: number, from: string): unknown {
  let cur: any = v;
  let seen = from;
  for (const f of path) {
    if (cur instanceof Unknowable) throw new TemplateRefusal(line, cur.why);
    if (cur instanceof GoStruct) {
      if (!Object.hasOwn(cur.fields, f))
        throw new TemplateRefusal(line, `can't evaluate field ${f} in type ${cur.type} (${seen}.${f})`);
      cur = cur.fields[f];
    } else if (cur === undefined || cur === null)
      throw new TemplateRefusal(
        line,
        `nil pointer evaluating interface {}.${f} (${seen}.${f}: ${seen || '.'} is not set in the values)`,
      );
    else if (typeof cur === 'object' && !Array.isArray(cur)) cur = Object.hasOwn(cur, f) ? cur[f] : undefined;
    else throw new TemplateRefusal(line, `can't evaluate field ${f} in type ${typeof cur} (${seen}.${f})`);
    seen = `${seen}.${f}`;
  }
  if (cur instanceof Unknowable) throw new TemplateRefusal(line, cur.why);
  return cur;
}
