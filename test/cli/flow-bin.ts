import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import ts from 'typescript';

/**
 * The real `flow` executable (bin/flow.js) over the current source: src/ is transpiled file by file into a
 * temporary package (package.json, bin/, dist/, node_modules → this checkout's), so the child process runs
 * what is in the tree now, not a stale `npm run build` (a full tsc build takes a minute).
 */
export function buildFlowBin(): { bin: string; remove: () => void } {
  const root = path.resolve('.');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bin-'));
  const walk = (from: string, to: string) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, entry.name);
      if (entry.isDirectory()) walk(src, path.join(to, entry.name));
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const { outputText } = ts.transpileModule(fs.readFileSync(src, 'utf8'), {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, isolatedModules: true },
          fileName: src,
        });
        fs.mkdirSync(to, { recursive: true });
        fs.writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
      }
    }
  };
  walk(path.join(root, 'src'), path.join(dir, 'dist'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(root, 'bin', 'flow.js'), path.join(dir, 'bin', 'flow.js'));
  fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  return { bin: path.join(dir, 'bin', 'flow.js'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface FlowRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the executable as a child process with only `env` (plus PATH), asynchronously: a server the test runs
 * in this process must keep answering meanwhile. stdout and stderr are pipes, so not terminals.
 */
export function runFlow(bin: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<FlowRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.end(input ?? '');
  });
}
