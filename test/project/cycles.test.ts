import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const checker = path.join(root, 'scripts', 'check-cycles.js');
const trees: string[] = [];

/** A throw-away source tree: { 'a/x.ts': 'source', … }. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cycles-'));
  trees.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const check = (dir: string) => {
  const r = spawnSync(process.execPath, [checker, dir], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout };
};

afterEach(() => {
  for (const dir of trees.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('scripts/check-cycles.js', () => {
  it('passes a layered tree (kernel below features below the root)', () => {
    const dir = tree({
      'kernel/ids.ts': 'export const id = 1;\n',
      'kernel/time.ts': "import { id } from './ids.js';\nexport const t = id;\n",
      'keys/keys.service.ts': "import { t } from '../kernel/time.js';\nexport const k = t;\n",
      'app.ts': "import { k } from './keys/keys.service.js';\nexport default k;\n",
    });
    expect(check(dir)).toEqual({ status: 0, out: expect.stringContaining('0 file cycles, 0 folder cycles') });
  });

  it('reports a file cycle made by a multi-line, type-only import, and the folder cycle it implies', () => {
    const dir = tree({
      'keys/verifier.ts': "import {\n  type Body,\n} from './me.routes.js';\nexport type V = Body;\n",
      'keys/me.routes.ts': "import type { V } from './verifier.js';\nexport type Body = { v?: V };\n",
      'ids.ts': "export * from './keys/format.js';\n",
      'keys/format.ts': "export const f = async () => import('../ids.js');\n",
    });
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('file cycle (2): {keys/me.routes.ts, keys/verifier.ts}');
    // ids.ts ⇄ keys/format.ts is a file cycle too (export-from one way, dynamic import the other) …
    expect(r.out).toContain('file cycle (2): {ids.ts, keys/format.ts}');
    // … and a top-level file is a folder node of its own.
    expect(r.out).toContain('folder cycle (2): {ids, keys}');
    expect(r.out).toContain('2 file cycles, 1 folder cycles');
  });

  it('reports a folder cycle that no single file closes', () => {
    const dir = tree({
      'a/one.ts': "import { b } from '../b/two.js';\nexport const a = b;\n",
      'b/two.ts': 'export const b = 2;\n',
      'b/three.ts': "import { a } from '../a/one.js';\nexport const c = a;\n",
    });
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('0 file cycles, 1 folder cycles');
    expect(r.out).toContain('e.g. a -> b -> a');
  });

  it('src/ has no file cycle and no folder cycle', () => {
    const r = check(path.join(root, 'src'));
    expect(r.out).toContain(' 0 file cycles, 0 folder cycles');
    expect(r.status).toBe(0);
  });
});
