// Measures what one hostile logo upload costs a real server: an SVG (< 1 MiB) embedding a 12,000 × 12,000
// PNG as a data: URI. Starts `node dist/server.js` on loopback, signs in, uploads a small logo (so sharp is
// loaded in both figures), then the hostile one, and reads the server's RSS and peak RSS from /proc.
//
//   npm run build && node bench/logo-bomb-rss.js [path/to/dist]
//
// Not part of the suite (figures, not assertions); Linux only (/proc/<pid>/status).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { SERVER_NODE_ARGS } from './lib.js';

const dist = path.resolve(process.argv[2] ?? 'dist');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-logo-bomb-'));
const email = 'admin@bomb.test';
const password = 'a long enough password';

const status = (pid) => Object.fromEntries(fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => l.startsWith('Vm')).map((l) => [l.split(':')[0], Math.round(parseInt(l.split(':')[1]) / 1024)]));

function multipart(name, data) {
  const boundary = '----bomb' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

const png = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#0a7' } }).png({ compressionLevel: 9 }).toBuffer();
const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100"><image width="100" height="100" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`);
const small = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#123456' } }).png().toBuffer();

const child = spawn(process.execPath, [...SERVER_NODE_ARGS, path.join(dist, 'server.js')], {
  env: { ...process.env, PORT: '0', FLOW_DATA_DIR: dataDir, FLOW_ADMIN_EMAIL: email, FLOW_ADMIN_PASSWORD: password, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Console:\s+(http:\/\/\S+?)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const login = await fetch(`${base}/admin/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { csrfToken } = await login.json();
  const upload = async (name, data) => {
    const m = multipart(name, data);
    const started = performance.now();
    const res = await fetch(`${base}/admin/v1/logos`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': m.type }, body: m.body });
    return { status: res.status, ms: Math.round(performance.now() - started), body: (await res.text()).slice(0, 200) };
  };
  await upload('small.png', small);
  const before = status(child.pid); // VmHWM here: the peak of start-up and the small upload
  const r = await upload('logo.svg', svg);
  const after = status(child.pid);
  console.log(JSON.stringify({ svgKB: Math.round(svg.length / 1024), status: r.status, ms: r.ms, rssBeforeMB: before.VmRSS, peakBeforeMB: before.VmHWM, rssAfterMB: after.VmRSS, peakRssMB: after.VmHWM, answer: r.body }));
} finally {
  child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
