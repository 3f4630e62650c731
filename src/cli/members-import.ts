import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createProgress, type ProgressTarget } from './progress.js';
import { AppError, ERROR_STATUS, type ErrorCode } from '../kernel/errors.js';
import { CsvScanner, type CsvRecord } from '../imports/csv-scanner.js';

/** What `flow members import` needs from its surroundings (tests pass their own fetch). */
export interface ImportCliOptions {
  file: string;
  key: string;
  url: string;
  dryRun: boolean;
  json: boolean;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Where progress goes; none with --json (stderr then carries only the error, as one JSON line). */
  progress?: ProgressTarget;
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

/** One rejected row as the error report gives it. */
export interface Rejection {
  row: number;
  field: string;
  reason: string;
}

/** How many rejected rows the summary lists; the rest are in the report. */
export const REJECTIONS_SHOWN = 20;

const TYPES: Record<string, string> = { '.csv': 'text/csv', '.json': 'application/json', '.ndjson': 'application/x-ndjson', '.jsonl': 'application/x-ndjson' };

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

/** fetch, with a refused or unreachable server reported as `unavailable` naming the URL. */
async function request(doFetch: typeof fetch, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const why = cause?.code ?? (err instanceof Error ? err.message : String(err));
    throw new AppError('unavailable', `cannot reach ${new URL(url).origin} (${why}); is the server running there? pass --url or set PORT`);
  }
}

/** Undoes the report's spreadsheet guard (a leading apostrophe before = + - @) for display. */
function unguard(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** The first `limit` rejected rows of the error report, read as a stream (the report may be long). */
async function firstRejections(doFetch: typeof fetch, url: string, headers: Record<string, string>, limit: number): Promise<Rejection[]> {
  const res = await request(doFetch, url, { headers });
  if (res.status !== 200 || !res.body) throw await problemOf(res);
  // The report is CSV with a header line (row, field, reason, …): read it with the import's own reader.
  const records: CsvRecord[] = [];
  const scanner = new CsvScanner((r) => records.push(r), { offset: 0, line: 1, cr: false });
  const out: Rejection[] = [];
  let columns: string[] | undefined;
  const take = () => {
    for (const r of records.splice(0)) {
      if (!columns) {
        columns = r.fields;
        continue;
      }
      const cell = (name: string) => r.fields[columns!.indexOf(name)] ?? '';
      if (out.length < limit) out.push({ row: Number(cell('row')), field: unguard(cell('field')), reason: unguard(cell('reason')) });
    }
  };
  const body = Readable.fromWeb(res.body as WebReadableStream);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      scanner.write(chunk);
      take();
      if (out.length >= limit) break;
    }
    if (out.length < limit) {
      scanner.end();
      take();
    }
  } finally {
    body.destroy();
    await res.body.cancel().catch(() => {});
  }
  return out;
}

/** `flow members import`: uploads the file to POST /v1/member-imports, polls the job with progress, prints a summary. */
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
  const progress = o.progress ? createProgress(o.progress) : undefined;
  const rows = (n: number) => n.toLocaleString('en-GB');

  let sent = 0;
  const upload = fs.createReadStream(o.file, { highWaterMark: 256 * 1024 });
  upload.on('data', (chunk) => {
    sent += chunk.length;
    progress?.show({ phase: 'uploading', fraction: size ? sent / size : 1 });
  });
  const res = await request(doFetch, `${base}/v1/member-imports${o.dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': type, 'content-length': String(size) },
    body: Readable.toWeb(upload) as unknown as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 202) {
    progress?.end();
    throw await problemOf(res);
  }
  let job = (await res.json()) as Job;
  const started = Date.now();
  const state = () => {
    const c = job.counts;
    const rate = Math.round(c.read / Math.max((Date.now() - started) / 1000, 0.001));
    const done = job.status === 'succeeded' || job.status === 'failed';
    return {
      phase: job.dryRun ? 'checking' : 'importing',
      fraction: done && job.status === 'succeeded' ? 1 : total ? c.read / total : undefined,
      detail: `${rows(c.read)} rows, ${rows(c.rejected)} rejected (${rows(rate)}/s)`,
    };
  };
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    const poll = await request(doFetch, `${base}/v1/member-imports/${job.id}`, { headers });
    if (poll.status !== 200) {
      progress?.end();
      throw await problemOf(poll);
    }
    job = (await poll.json()) as Job;
    progress?.show(state());
  }
  progress?.end(state());
  const c = job.counts;
  const errorsUrl = job.errorsUrl.startsWith('/') ? `${base}${job.errorsUrl}` : job.errorsUrl;
  let rejections: Rejection[] = [];
  let reportProblem: string | undefined;
  if (c.rejected > 0) {
    try {
      rejections = await firstRejections(doFetch, errorsUrl, headers, REJECTIONS_SHOWN);
    } catch (err) {
      // The import itself is done; the summary still gives the counts and the report's URL.
      reportProblem = err instanceof Error ? err.message : String(err);
    }
  }
  if (o.json) o.stdout(JSON.stringify({ ...job, errorsUrl, rejections }) + '\n');
  else {
    const lines = [
      `${job.dryRun ? 'dry run ' : ''}import ${job.id} ${job.status}: ${c.read} read, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`,
    ];
    if (job.failure) lines.push(job.failure);
    if (rejections.length) {
      lines.push(c.rejected > rejections.length ? `first ${rejections.length} of ${rows(c.rejected)} rejected rows:` : 'rejected rows:');
      for (const r of rejections) lines.push(`  row ${r.row}  ${r.field}: ${r.reason}`);
    }
    if (reportProblem) lines.push(`(could not read the error report: ${reportProblem})`);
    if (c.rejected > 0) lines.push(`error report: ${errorsUrl}  (send the same Authorization header)`);
    o.stdout(lines.join('\n') + '\n');
  }
  return job.status === 'succeeded' ? 0 : 1;
}
