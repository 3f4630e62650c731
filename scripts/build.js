#!/usr/bin/env node
// Builds the server (tsc → dist/) and the console (vite → console/dist/).
// With --if-changed (what `npm start` uses) it skips both when the inputs hash to what the last build
// recorded, so starting an unchanged tree costs milliseconds instead of a full build.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const stampFile = path.join(root, 'dist', '.build-inputs');
const outputs = [path.join(root, 'dist', 'server.js'), path.join(root, 'console', 'dist', 'index.html')];
const inputs = ['src', 'console', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const skipped = new Set([path.join(root, 'console', 'dist')]);

/** Every input file's path and content, hashed in a stable order. */
function inputsHash() {
  const hash = createHash('sha256');
  const walk = (p) => {
    if (skipped.has(p) || !fs.existsSync(p)) return;
    if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    else hash.update(path.relative(root, p)).update('\0').update(fs.readFileSync(p)).update('\0');
  };
  for (const i of inputs) walk(path.join(root, i));
  hash.update(process.version);
  return hash.digest('hex');
}

const current = inputsHash();
const upToDate = outputs.every((f) => fs.existsSync(f)) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === current;
if (process.argv.includes('--if-changed') && upToDate) process.exit(0);

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
try {
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  run(bin('vite'), ['build', '--config', 'console/vite.config.ts', '--logLevel', 'warn']);
} catch {
  process.exit(1);
}
fs.writeFileSync(stampFile, current);
