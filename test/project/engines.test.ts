import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import semver from 'semver';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; os?: string[] }>;
};

/** The oldest release of each Node line that package.json promises to run on. */
function promisedMinimums(range: string): string[] {
  return [20, 22, 24, 26]
    .map((major) => semver.minSatisfying([...Array(40).keys()].map((minor) => `${major}.${minor}.0`), range))
    .filter((v): v is string => v !== null);
}

describe('engines', () => {
  const minimums = promisedMinimums(pkg.engines.node);

  it('promises the current LTS lines (20, 22 and 24)', () => {
    expect(minimums.map((v) => semver.major(v))).toEqual(expect.arrayContaining([20, 22, 24]));
  });

  it('every locked package accepts every promised Node line (no EBADENGINE on npm ci)', () => {
    const refused: string[] = [];
    for (const [where, p] of Object.entries(lock.packages)) {
      const node = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
      // Platform packages for other systems (sharp's win32 and darwin builds) are never installed here.
      if (!where || !node || (p.os && !p.os.includes(process.platform))) continue;
      for (const v of minimums) if (!semver.satisfies(v, node)) refused.push(`${where}@${p.version} wants node ${node}, refuses ${v}`);
    }
    expect(refused).toEqual([]);
  });

  it('runs on a promised Node line', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});

describe('npm start on a built tree', () => {
  it('caps V8\'s young generation (Node.js 24 grows it to 128 MB: a 1,000,000-row import then passed 300 MB of RSS)', () => {
    const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toMatch(/ node (--\S+ )*--max-semi-space-size=16 (--\S+ )*dist\/server\.js$/);
  });

  it('does not rebuild when no input changed', () => {
    // `npm test` has just built the tree, so the recorded input hash is current.
    const server = path.join(root, 'dist', 'server.js');
    const before = fs.statSync(server).mtimeMs;
    const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--if-changed'], { cwd: root, encoding: 'utf8' });
    expect(out).toBe('');
    expect(fs.statSync(server).mtimeMs).toBe(before);
  });
});
