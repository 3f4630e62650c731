#!/usr/bin/env node
// Fails when the module graph of src/ has a cycle, between files or between folders (a folder is the first
// path segment under src/; a top-level file such as src/app.ts is a node of its own, named `app`).
// A cycle means no layer can be read, tested or moved without the other, so the bar is zero of both.
// Every relative import counts: `import`, `import type`, `export … from`, side-effect imports and dynamic
// `import('…')`. Type-only edges create no runtime cycle, but counting them keeps the layering true for a
// reader, as madge measures it.
// Usage: node scripts/check-cycles.js [dir]   (dir defaults to src/; exit 1 when any cycle exists)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.resolve(fileURLToPath(new URL('../src', import.meta.url)));

/** Every .ts/.tsx file below dir, as paths relative to root with forward slashes. */
function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out.sort();
}

// Static forms start a line (`import x from`, `import type { X } from`, `export * from`, `import './x.js'`);
// the lazy middle stops at a quote or semicolon, so it cannot run into the next statement.
const staticImport = /^\s*(?:import|export)\b[^;'"`]*?['"](\.{1,2}\/[^'"]+)['"]/gm;
const dynamicImport = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The relative specifiers a file imports, resolved to files of the tree (others are ignored). */
function importsOf(file, known) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const targets = new Set();
  for (const re of [staticImport, dynamicImport]) {
    for (const m of text.matchAll(re)) {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
      const stem = base.replace(/\.(js|ts|tsx|jsx|mjs)$/, '');
      const hit = [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`].find((c) => known.has(c));
      if (hit && hit !== file) targets.add(hit);
    }
  }
  return [...targets].sort();
}

/** Strongly connected components with more than one node (Tarjan), each sorted, in a stable order. */
function cyclicComponents(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One concrete loop through a component (breadth-first from its first node back to it), for the message. */
function exampleLoop(graph, comp) {
  const members = new Set(comp);
  const start = comp[0];
  const prev = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [start];
        for (let u = v; u !== start; u = prev.get(u)) loop.splice(1, 0, u);
        return [...loop, start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return comp;
}

const folderOf = (file) => (file.includes('/') ? file.split('/')[0] : file.replace(/\.tsx?$/, ''));

const files = sourceFiles(root);
const known = new Set(files);
const fileGraph = new Map(files.map((f) => [f, importsOf(f, known)]));
const folderGraph = new Map();
for (const [f, targets] of fileGraph) {
  const from = folderOf(f);
  if (!folderGraph.has(from)) folderGraph.set(from, new Set());
  for (const t of targets) if (folderOf(t) !== from) folderGraph.get(from).add(folderOf(t));
}
for (const [k, v] of folderGraph) folderGraph.set(k, [...v].sort());

const fileCycles = cyclicComponents(fileGraph);
const folderCycles = cyclicComponents(folderGraph);
const report = (kind, cycles, graph) => {
  for (const comp of cycles) {
    console.log(`${kind} cycle (${comp.length}): {${comp.join(', ')}}`);
    console.log(`  e.g. ${exampleLoop(graph, comp).join(' -> ')}`);
  }
};
report('file', fileCycles, fileGraph);
report('folder', folderCycles, folderGraph);
console.log(`${files.length} files, ${folderGraph.size} folders: ${fileCycles.length} file cycles, ${folderCycles.length} folder cycles`);
process.exit(fileCycles.length || folderCycles.length ? 1 : 0);
