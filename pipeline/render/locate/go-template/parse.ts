/**
 * Parses the part of Go's text/template that app-of-apps charts use: text, `{{ pipeline }}`
 * actions with `{{-`/`-}}` trimming and comments, variables (`$x := …`, `$x = …`), and
 * `if`/`else if`/`else`, `range` (with `$i, $v :=`) and `with` blocks. Anything else (`define`,
 * `template`, `block`, `break`, `continue`) is refused naming its line.
 */
import { TemplateRefusal } from './refusal.js';

export type Operand =
  | { t: 'dot'; fields: string[] }
  | { t: 'var'; name: string; fields: string[] }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'ident'; name: string }
  | { t: 'paren'; pipe: Pipeline };

export interface Command {
  args: Operand[];
}

export interface Pipeline {
  /** `$a := …` / `$a, $b := …` (range) / `$a = …`. */
  decl?: { names: string[]; assign: boolean };
  cmds: Command[];
  line: number;
}

export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if' | 'with'; pipe: Pipeline; then: Node[]; else?: Node[] }
  | { t: 'range'; pipe: Pipeline; then: Node[]; else?: Node[] };

interface RawAction {
  body: string;
  line: number;
}

/** Splits source into text and action bodies, applying the trim markers. */
function lex(src: string): (string | RawAction)[] {
  const out: (string | RawAction)[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push(text);
      break;
    }
    const line = src.slice(0, open).split('\n').length;
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    out.push(text);
    const close = findClose(src, start, line);
    let end = close;
    trimNext = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimNext = true;
    }
    const body = src.slice(start, end).trim();
    if (!(body.startsWith('/*') && body.endsWith('*/'))) out.push({ body, line });
    i = close + 2;
  }
  return out;
}

function findClose(src: string, from: number, line: number): number {
  let quote: string | undefined;
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  throw new TemplateRefusal(line, 'an action `{{` is never closed');
}

type Token =
  | { k: 'field'; fields: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'string'; value: string }
  | { k: 'number'; value: number }
  | { k: 'ident'; name: string }
  | { k: 'punct'; v: '|' | '(' | ')' | ':=' | '=' | ',' };

function tokenize(body: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const chain = (): string[] => {
    const fields: string[] = [];
    while (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(body.slice(i))!;
      fields.push(m[1]!);
      i += m[0].length;
    }
    return fields;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '.') {
      if (/[A-Za-z_]/.test(body[i + 1] ?? '')) out.push({ k: 'field', fields: chain() });
      else {
        i++;
        out.push({ k: 'field', fields: [] });
      }
      continue;
    }
    if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(body.slice(i))!;
      i += m[0].length;
      out.push({ k: 'var', name: m[0], fields: chain() });
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) throw new TemplateRefusal(line, 'a string is never closed');
      out.push({ k: 'string', value: JSON.parse(body.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = body.indexOf('`', i + 1);
      if (j < 0) throw new TemplateRefusal(line, 'a raw string is never closed');
      out.push({ k: 'string', value: body.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const num = /^-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(body.slice(i));
    if (num && (c !== '-' || /\d/.test(body[i + 1] ?? ''))) {
      out.push({ k: 'number', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (body.startsWith(':=', i)) {
      out.push({ k: 'punct', v: ':=' });
      i += 2;
      continue;
    }
    if ('|()=,'.includes(c)) {
      out.push({ k: 'punct', v: c as '|' });
      i++;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i));
    if (id) {
      out.push({ k: 'ident', name: id[0] });
      i += id[0].length;
      if (body[i] === '.') throw new TemplateRefusal(line, `\`${id[0]}.…\` (a field of a function's result)`);
      continue;
    }
    if (c === "'") throw new TemplateRefusal(line, 'a character constant');
    throw new TemplateRefusal(line, `\`${body.slice(i, i + 12)}\` is not template syntax Tidemark reads`);
  }
  return out;
}

function parsePipeline(tokens: Token[], line: number, allowDecl: boolean): Pipeline {
  let pos = 0;
  let decl: Pipeline['decl'];
  // `$a := …`, `$a, $b := …`, `$a = …`
  const declEnd = tokens.findIndex((t) => t.k === 'punct' && (t.v === ':=' || t.v === '='));
  if (declEnd > 0) {
    const names: string[] = [];
    for (let j = 0; j < declEnd; j++) {
      const t = tokens[j]!;
      if (t.k === 'var' && !t.fields.length) names.push(t.name);
      else if (!(t.k === 'punct' && t.v === ',')) names.length = 0;
    }
    if (names.length && names.length <= 2) {
      if (!allowDecl && names.length > 1)
        throw new TemplateRefusal(line, 'two variables are declared only by `range`');
      decl = { names, assign: (tokens[declEnd] as { v: string }).v === '=' };
      pos = declEnd + 1;
    }
  }
  const [cmds, end] = parseCommands(tokens, pos, line);
  if (end !== tokens.length) throw new TemplateRefusal(line, 'an unmatched `)`');
  return { ...(decl ? { decl } : {}), cmds, line };
}

function parseCommands(tokens: Token[], start: number, line: number): [Command[], number] {
  const cmds: Command[] = [];
  let args: Operand[] = [];
  let i = start;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.k === 'punct' && t.v === ')') break;
    if (t.k === 'punct' && t.v === '|') {
      if (!args.length) throw new TemplateRefusal(line, 'an empty command in a pipeline');
      cmds.push({ args });
      args = [];
      continue;
    }
    if (t.k === 'punct' && t.v === '(') {
      const [inner, end] = parseCommands(tokens, i + 1, line);
      if (tokens[end]?.k !== 'punct' || (tokens[end] as { v: string }).v !== ')')
        throw new TemplateRefusal(line, 'a `(` is never closed');
      if (!inner.length) throw new TemplateRefusal(line, 'an empty `()`');
      args.push({ t: 'paren', pipe: { cmds: inner, line } });
      i = end;
      continue;
    }
    if (t.k === 'punct') throw new TemplateRefusal(line, `an unexpected \`${t.v}\``);
    args.push(operand(t));
  }
  if (!args.length) throw new TemplateRefusal(line, 'an empty pipeline');
  cmds.push({ args });
  return [cmds, i];
}

function operand(t: Exclude<Token, { k: 'punct' }>): Operand {
  switch (t.k) {
    case 'field':
      return { t: 'dot', fields: t.fields };
    case 'var':
      return { t: 'var', name: t.name, fields: t.fields };
    case 'string':
      return { t: 'string', value: t.value };
    case 'number':
      return { t: 'number', value: t.value };
    case 'ident':
      if (t.name === 'true' || t.name === 'false') return { t: 'bool', value: t.name === 'true' };
      if (t.name === 'nil') return { t: 'nil' };
      return { t: 'ident', name: t.name };
  }
}

const REFUSED_KEYWORDS = ['define', 'template', 'block', 'break', 'continue'];

/** The template as a tree of nodes; a TemplateRefusal naming the line for anything we do not read. */
export function parseTemplate(src: string): Node[] {
  const items = lex(src);
  let pos = 0;
  const parseList = (closers: string[]): { nodes: Node[]; closer?: RawAction; word?: string } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const it = items[pos++]!;
      if (typeof it === 'string') {
        if (it) nodes.push({ t: 'text', text: it });
        continue;
      }
      const word = /^[a-z]+\b/.exec(it.body)?.[0];
      if (word && closers.includes(word)) return { nodes, closer: it, word };
      if (word && REFUSED_KEYWORDS.includes(word))
        throw new TemplateRefusal(it.line, `\`${word}\` (named templates) is not evaluated`);
      if (word === 'end' || word === 'else')
        throw new TemplateRefusal(it.line, `an \`${word}\` without its block`);
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(block(word, it));
        continue;
      }
      nodes.push({ t: 'action', pipe: parsePipeline(tokenize(it.body, it.line), it.line, false) });
    }
    if (closers.length)
      throw new TemplateRefusal(items.length ? lastLine(items) : 1, 'a block is never ended');
    return { nodes };
  };
  const block = (word: 'if' | 'with' | 'range', it: RawAction): Node => {
    const pipe = parsePipeline(tokenize(it.body.slice(word.length), it.line), it.line, word === 'range');
    const body = parseList(['end', 'else']);
    if (!body.closer) throw new TemplateRefusal(it.line, `\`${word}\` is never ended`);
    if (body.word === 'end') return { t: word, pipe, then: body.nodes };
    const rest = body.closer.body.slice('else'.length).trim();
    if (rest) {
      // `else if …` / `else with …`: a nested block that shares this block's `end`.
      const nested = /^(if|with)\b/.exec(rest)?.[1] as 'if' | 'with' | undefined;
      if (!nested) throw new TemplateRefusal(body.closer.line, `\`else ${rest}\``);
      const inner = block(nested, { body: rest, line: body.closer.line });
      return { t: word, pipe, then: body.nodes, else: [inner] };
    }
    const elseBody = parseList(['end']);
    if (!elseBody.closer) throw new TemplateRefusal(it.line, `\`${word}\` is never ended`);
    return { t: word, pipe, then: body.nodes, else: elseBody.nodes };
  };
  const { nodes } = parseList([]);
  return nodes;
}

function lastLine(items: (string | RawAction)[]): number {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (typeof it !== 'string') return it.line;
  }
  return 1;
}
