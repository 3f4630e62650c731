import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, invalid } from '../kernel/errors.js';
import { firstCharacter, readCsvHeader, type ImportFormat } from './import-parsers.js';

/** The largest import body: 100 MiB. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;

/** The operation name idempotency records of imports are filed under. */
export const IMPORT_OPERATION = 'POST /v1/member-imports';

/**
 * Streams a request body to `file` (or, without a file, only through `hash`), stopping at MAX_IMPORT_BYTES or
 * at the first error `onChunk` returns (the environment's spool cap). A partial file is removed.
 */
export async function spool(body: Readable, file: string | undefined, hash: Hash, onChunk?: (n: number) => AppError | undefined): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > MAX_IMPORT_BYTES) return cb(new AppError('payload_too_large', `An import may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB.`, [{ path: 'body', message: 'is too large' }]));
      const refused = onChunk?.(chunk.length);
      if (refused) return cb(refused);
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const sink = file ? fs.createWriteStream(file, { mode: 0o600 }) : new Writable({ write: (_chunk, _enc, cb) => cb() });
  try {
    await pipeline(body, counter, sink);
  } catch (err) {
    if (file) await fs.promises.rm(file, { force: true });
    if (err instanceof AppError) throw err;
    throw new AppError('validation_failed', 'The request body could not be read completely.', [{ path: 'body', message: 'was cut short' }]);
  }
  return bytes;
}

/** The hash an idempotency record of an import compares: the operation, its parameters and every body byte. */
export function requestHash(format: ImportFormat, dryRun: boolean): Hash {
  return createHash('sha256').update(`${IMPORT_OPERATION}\n${format}\n${dryRun}\n`);
}

/** Checks a spooled file's format: a 400 naming what is wrong. */
export async function checkFormat(file: string, format: ImportFormat, bytes: number): Promise<void> {
  if (bytes === 0) throw invalid([{ path: 'body', message: 'is empty' }]);
  if (format === 'csv') {
    const header = await readCsvHeader(file);
    if (!header) throw invalid([{ path: 'body', message: 'has no header line' }]);
    if ('error' in header) throw invalid([{ path: 'body', message: 'has an unreadable header line' }], header.error);
    if (header.missing.length > 0) {
      throw invalid(
        header.missing.map((h) => ({ path: h, message: 'required column is missing from the CSV header' })),
        `The CSV header lacks required column(s): ${header.missing.join(', ')}.`,
      );
    }
  } else if (format === 'json' && (await firstCharacter(file)) !== '[') {
    throw invalid([{ path: 'body', message: 'must be a JSON array of members' }]);
  }
}
