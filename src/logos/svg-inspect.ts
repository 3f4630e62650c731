/**
 * Reads an uploaded SVG before librsvg does, to refuse what would be unsafe or would exhaust the server.
 *
 * librsvg is not bounded where it matters for an upload: it decodes every embedded raster whole (a 12,000 ×
 * 12,000 PNG inside a 600 KB SVG took a node from 370 MB to 1.6 GB), it expands nested <use>/<pattern>
 * references up to 500,000 before giving up (15–30 s of CPU for a 3 KB file), and some filter primitives
 * cost pixels × radius². libvips' timeout is only checked between tiles, so it cannot stop one long render.
 * So the document is tokenised here (small, no entities, ≤ 1 MiB) and its cost is counted first.
 */

/** Most elements a logo may instantiate, counting every <use>/url(#…) expansion (librsvg allows 500,000). */
const MAX_SVG_ELEMENTS = 20_000;
const MAX_DEPTH = 256;

interface SvgFacts {
  /** Why the SVG is refused (a sentence fragment after "SVG "), or undefined. */
  reason?: string;
  /** The embedded rasters (`data:image/png|jpeg|webp;base64,…`), one per reference, decoded. */
  rasters: Buffer[];
}

interface Node {
  name: string;
  attrs: [string, string][];
  children: Node[];
  /** Internal references (`#id` hrefs and `url(#id)`), each instantiating the target once more. */
  refs: string[];
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML character and predefined entity references decoded, so `&#104;ttp:` cannot hide a URL. */
function decodeXml(s: string): string | undefined {
  let bad = false;
  const out = s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][\w.-]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) return (bad = true), m;
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ((bad = true), m);
    }
    return PREDEFINED[ref] ?? ((bad = true), m);
  });
  return bad ? undefined : out;
}

/** A start tag: name, attributes (values always quoted in XML), and "/" when self-closing. */
const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Checks one reference (href, src or url(…)); internal ones are kept to count their expansion. */
function reference(value: string, node: Node, rasters: Buffer[]): string | undefined {
  const v = value.trim();
  if (v.startsWith('#')) {
    node.refs.push(v.slice(1));
    return undefined;
  }
  const data = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/=\s]*)$/i.exec(v);
  if (data) {
    rasters.push(Buffer.from(data[2].replace(/\s+/g, ''), 'base64'));
    return undefined;
  }
  if (/^data:/i.test(v)) return 'embeds data that is not a base64 PNG, JPEG or WebP image';
  return 'references an external resource';
}

/** `url(…)` references inside an attribute value or a stylesheet. */
function urls(text: string, node: Node, rasters: Buffer[]): string | undefined {
  for (const m of text.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi)) {
    const why = reference(m[1] ?? m[2] ?? m[3] ?? '', node, rasters);
    if (why) return why;
  }
  if (/@import/i.test(text)) return 'imports a stylesheet';
  return undefined;
}

function checkElement(node: Node, rasters: Buffer[]): string | undefined {
  const name = localName(node.name);
  if (name === 'script') return 'contains a script';
  if (name === 'foreignObject') return 'contains foreign content';
  // Some primitives (feMorphology, feConvolveMatrix…) cost pixels × radius²; a logo does not need them.
  if (name === 'filter' || /^fe[A-Z]/.test(name)) return 'uses filters (flatten them, or upload a PNG)';
  for (const [qname, value] of node.attrs) {
    const attr = localName(qname).toLowerCase();
    if (attr.startsWith('on')) return 'contains an event handler attribute';
    if (/javascript:/i.test(value)) return 'contains a javascript: URL';
    const why = attr === 'href' || attr === 'src' ? reference(value, node, rasters) : urls(value, node, rasters);
    if (why) return why;
  }
  return undefined;
}

/** Tokenises the document into elements; returns the root or why it cannot be read safely. */
function parse(text: string, rasters: Buffer[], styleRefs: Node): { root?: Node; count: number; reason?: string } {
  const top: Node = { name: '#document', attrs: [], children: [], refs: [] };
  const stack: Node[] = [top];
  let count = 0;
  let i = 0;
  const fail = (reason: string) => ({ count, reason });
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const parent = stack[stack.length - 1];
    const textBetween = text.slice(i, lt);
    if (localName(parent.name) === 'style') {
      const decoded = decodeXml(textBetween);
      if (decoded === undefined) return fail('uses an undefined entity');
      const why = urls(decoded, styleRefs, rasters);
      if (why) return fail(why);
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) return fail('is not well-formed XML');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) return fail('is not well-formed XML');
      // CDATA is only meaningful inside <style>, where it is a stylesheet.
      const why = urls(text.slice(lt + 9, end), styleRefs, rasters);
      if (why) return fail(why);
      i = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) return fail('is not well-formed XML');
      i = end + 2;
    } else if (text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt + 2);
      const decl = text.slice(lt, end);
      if (end < 0) return fail('is not well-formed XML');
      if (/<!ENTITY/i.test(decl) || decl.includes('[')) return fail('declares entities');
      i = end + 1;
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt);
      if (end < 0 || stack.length < 2) return fail('is not well-formed XML');
      if (text.slice(lt + 2, end).trim() !== stack[stack.length - 1].name) return fail('is not well-formed XML');
      stack.pop();
      i = end + 1;
    } else {
      START_TAG.lastIndex = lt;
      const tag = START_TAG.exec(text);
      if (!tag) return fail('is not well-formed XML');
      const node: Node = { name: tag[1], attrs: [], children: [], refs: [] };
      for (const a of tag[2].matchAll(/([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const value = decodeXml(a[2] ?? a[3] ?? '');
        if (value === undefined) return fail('uses an undefined entity');
        node.attrs.push([a[1], value]);
      }
      if (++count > MAX_SVG_ELEMENTS) return fail(`has more than ${MAX_SVG_ELEMENTS} elements`);
      const why = checkElement(node, rasters);
      if (why) return fail(why);
      parent.children.push(node);
      if (!tag[3]) {
        if (stack.length > MAX_DEPTH) return fail(`nests elements more than ${MAX_DEPTH} deep`);
        stack.push(node);
      }
      i = lt + tag[0].length;
    }
  }
  if (stack.length !== 1 || top.children.length !== 1) return fail('is not well-formed XML');
  return { root: top.children[0], count };
}

/**
 * How many elements rendering instantiates: each element once, plus a full copy of every element it
 * references (<use href="#a">, fill="url(#p)", clip-path, mask, marker…). This is the quantity a
 * "billion laughs" of nested <use> or <pattern> blows up; counting stops at the limit.
 */
function instantiated(root: Node, styleRefs: Node, elementCount: number): number | 'cycle' {
  const byId = new Map<string, Node>();
  const index = (n: Node) => {
    const id = n.attrs.find(([k]) => k === 'id' || k === 'xml:id')?.[1];
    if (id !== undefined && !byId.has(id)) byId.set(id, n);
    n.children.forEach(index);
  };
  index(root);
  const memo = new Map<Node, number>();
  const visiting = new Set<Node>();
  let cycle = false;
  const weight = (n: Node, depth: number): number => {
    const known = memo.get(n);
    if (known !== undefined) return known;
    if (visiting.has(n) || depth > MAX_DEPTH * 4) {
      cycle = true;
      return Infinity;
    }
    visiting.add(n);
    let w = 1;
    for (const c of n.children) if ((w += weight(c, depth + 1)) > MAX_SVG_ELEMENTS) break;
    for (const r of n.refs) {
      const target = byId.get(r);
      if (target && (w += weight(target, depth + 1)) > MAX_SVG_ELEMENTS) break;
    }
    visiting.delete(n);
    memo.set(n, w);
    return w;
  };
  let total = weight(root, 0);
  // A stylesheet rule may apply to every element, so each of its references counts once per element.
  for (const r of styleRefs.refs) {
    const target = byId.get(r);
    if (target) total += weight(target, 0) * elementCount;
  }
  return cycle ? 'cycle' : total;
}

/** Everything the upload needs to know about an SVG before rendering it. */
export function inspectSvg(text: string): SvgFacts {
  const rasters: Buffer[] = [];
  const styleRefs: Node = { name: '#style', attrs: [], children: [], refs: [] };
  const parsed = parse(text, rasters, styleRefs);
  if (parsed.reason || !parsed.root) return { reason: parsed.reason ?? 'is not well-formed XML', rasters };
  if (localName(parsed.root.name) !== 'svg') return { reason: 'has no <svg> root element', rasters };
  const n = instantiated(parsed.root, styleRefs, parsed.count);
  if (n === 'cycle') return { reason: 'has a reference cycle or references nested too deeply', rasters };
  if (n > MAX_SVG_ELEMENTS) return { reason: `expands to more than ${MAX_SVG_ELEMENTS} elements through nested <use>/<pattern> references`, rasters };
  return { rasters };
}
