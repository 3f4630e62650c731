import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AppError, ERROR_STATUS, type ErrorCode } from '../kernel/errors.js';

/** What `flow members import` needs from its surroundings (tests pass their own fetch and clock). */
interface ImportCliOptions {
  file: string;
  key: string;
  url: string;
  dryRun: boolean;
  json: boolean;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Draw the progress bar (stderr is a terminal). */
  progress: boolean;
  fetch?: typeof fetch;
  pollMs?: number;
}

interface Job {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  dryRun: boolean;
  counts: { read: number; created: number; updated: number; unchanged: number; rejected: number };
  errorsUrl: string;
  failure: string | null;
}

const TYPES: Record<string, string> = { '.csv': 'text/csv', '.json': 'application/json', '.ndjson': 'application/x-ndjson', '.jsonl': 'application/x-ndjson' };

function bar(fraction: number, width = 30): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** Counts lines to estimate the rows of a CSV or NDJSON file (quoted line breaks make it an estimate). */
async function estimateRows(file: string, type: string): Promise<number | undefined> {
  if (type === 'application/json') return undefined;
  let lines = 0;
  let last = 10;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    last = chunk[chunk.length - 1];
  }
  if (last !== 10) lines++;
  return type === 'text/csv' ? Math.max(lines - 1, 0) : lines;
}

async function problemOf(res: Response): Promise<AppError> {
  let body: { code?: string; detail?: string; errors?: Array<{ path: string; message: string }> } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not problem+json: fall through with the status alone
  }
  const code = (body.code && body.code in ERROR_STATUS ? body.code : res.status >= 500 ? 'unavailable' : 'validation_failed') as ErrorCode;
  return new AppError(code, body.detail ?? `HTTP ${res.status}`, body.errors);
}

/** `flow members import`: uploads the file to POST /v1/member-imports, polls the job with a progress bar, prints a summary. */
export async function runMembersImport(o: ImportCliOptions): Promise<number> {
  const doFetch = o.fetch ?? fetch;
  const type = TYPES[path.extname(o.file).toLowerCase()];
  if (!type) throw new AppError('unsupported_media_type', 'the file must end in .csv, .json, .ndjson or .jsonl');
  let size: number;
  try {
    size = fs.statSync(o.file).size;
  } catch {
    throw new AppError('not_found', `cannot read ${o.file}`);
  }
  const base = o.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${o.key}` };
  const total = o.progress ? await estimateRows(o.file, type) : undefined;
  const draw = (text: string) => o.progress && o.stderr(`\r${text}\u001b[K`);

  let sent = 0;
  const upload = fs.createReadStream(o.file, { highWaterMark: 256 * 1024 });
  upload.on('data', (chunk) => {
    sent += chunk.length;
    draw(`uploading ${bar(size ? sent / size : 1)}`);
  });
  const res = await doFetch(`${base}/v1/member-imports${o.dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': type, 'content-length': String(size) },
    body: Readable.toWeb(upload) as unknown as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 202) {
    draw('');
    throw await problemOf(res);
  }
  let job = (await res.json()) as Job;
  const started = Date.now();
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    const poll = await doFetch(`${base}/v1/member-imports/${job.id}`, { headers });
    if (poll.status !== 200) throw await problemOf(poll);
    job = (await poll.json()) as Job;
    const c = job.counts;
    const rate = Math.round(c.read / Math.max((Date.now() - started) / 1000, 0.001));
    draw(`${job.dryRun ? 'checking' : 'importing'} ${total ? bar(c.read / total) : ''} ${c.read.toLocaleString('en-GB')} rows, ${c.rejected.toLocaleString('en-GB')} rejected (${rate.toLocaleString('en-GB')}/s)`);
  }
  if (o.progress) o.stderr('\n');
  const c = job.counts;
  const errorsUrl = job.errorsUrl.startsWith('/') ? `${base}${job.errorsUrl}` : job.errorsUrl;
  if (o.json) o.stdout(JSON.stringify({ ...job, errorsUrl }) + '\n');
  else {
    const lines = [
      `${job.dryRun ? 'dry run ' : ''}import ${job.id} ${job.status}: ${c.read} read, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`,
    ];
    if (job.failure) lines.push(job.failure);
    if (c.rejected > 0) lines.push(`error report: ${errorsUrl}  (send the same Authorization header)`);
    o.stdout(lines.join('\n') + '\n');
  }
  return job.status === 'succeeded' ? 0 : 1;
}
