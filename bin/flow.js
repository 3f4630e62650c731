#!/usr/bin/env node
// The flow command: runs the compiled CLI (npm ci and npm run build produce dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('error: flow is not built yet; run "npm run build" first\n');
  process.exit(1);
}
const { main } = await import(entry);
await main();
