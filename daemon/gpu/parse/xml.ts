// A small, tolerant XML reader for `nvidia-smi -q -x`: elements, attributes, text and the five standard
// entities. Skips the prolog, DOCTYPE, comments and processing instructions; no namespaces, no CDATA
// semantics beyond keeping its text. Enough for nvidia-smi, not a general XML parser.
import { NvidiaSmiParseError } from './errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

const WHAT = 'nvidia-smi -q -x';
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<![^>]*>|<\?[\s\S]*?\?>|<\/\s*([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTR = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function decode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

export function parseXml(source: string): XmlElement {
  const lines = source.split(/\r?\n/);
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '', line: 0 };
  const stack: XmlElement[] = [root];
  let line = 1;
  const fail = (reason: string): never => {
    throw new NvidiaSmiParseError(WHAT, line, lines[line - 1] ?? '', reason);
  };
  for (const m of source.matchAll(TOKEN)) {
    const [token, cdata, closeName, openName, attrText, selfClose, text, stray] = m;
    const top = stack.at(-1)!;
    if (openName) {
      const el: XmlElement = { name: openName, attrs: {}, children: [], text: '', line };
      for (const a of (attrText ?? '').matchAll(ATTR)) el.attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
      top.children.push(el);
      if (!selfClose) stack.push(el);
    } else if (closeName) {
      if (top.name !== closeName) fail(`</${closeName}> closes <${top.name}>`);
      stack.pop();
    } else if (text !== undefined) {
      top.text += decode(text);
    } else if (cdata !== undefined) {
      top.text += cdata;
    } else if (stray) {
      fail('unexpected "<"');
    }
    line += countNewlines(token);
  }
  if (stack.length > 1) {
    line = stack.at(-1)!.line;
    fail(`<${stack.at(-1)!.name}> is never closed`);
  }
  return root;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

/** Trimmed text at a child path, e.g. `textAt(gpu, 'fb_memory_usage', 'total')`; undefined when absent. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let cur = el;
  for (const p of path) cur = child(cur, p);
  return cur?.text.trim();
}
