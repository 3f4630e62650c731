import fs from 'node:fs';
import readline from 'node:readline';
import { scanCsv } from './csv-scanner.js';
import { cellPreview, fieldOf, FIELD_INDEX, noCells, REQUIRED_HEADERS, CSV_HEADER, type ImportField, type RawRow, type RowError } from './import-fields.js';

/** The body formats an import takes. */
export type ImportFormat = 'csv' | 'json' | 'ndjson';

/** One item read from a file: a row's raw values, or an error that rejects the row before validation. */
export type ParsedItem = { row: number; raw: RawRow } | { row: number; error: RowError };

/** The largest JSON object or NDJSON line read; bigger ones are rejected, bounding memory (CSV: csv-scanner.ts). */
const MAX_RECORD_CHARS = 64 * 1024;

/** A CSV row's extra references (only JSON rows carry them): shared, as it is only ever read. */
const NO_REFS: RawRow['refs'] = [];

/** What the first line of a CSV says: the field of each column and the required headers missing. */
interface CsvHeader {
  columns: Array<ImportField | undefined>;
  /** Where each column goes in a row's cells (-1: nowhere). */
  cells: number[];
  /** The header text of each column. */
  names: string[];
  missing: string[];
}

function headerOf(record: string[]): CsvHeader {
  const columns = record.map((h) => fieldOf(h));
  const missing = REQUIRED_HEADERS.filter((f) => !columns.includes(f)).map((f) => CSV_HEADER[f]);
  return { columns, cells: columns.map((f) => (f === undefined ? -1 : FIELD_INDEX[f])), names: record.map((h) => h.trim()), missing };
}

/** What a column is called in the error report: its field's contract header, else the file's own header. */
function columnName(header: CsvHeader, column: number): string {
  if (column < 0) return 'row';
  const f = header.columns[column];
  if (f !== undefined) return CSV_HEADER[f];
  return header.names[column] || `column ${column + 1}`;
}

/** Why the header line of a spooled CSV cannot be used, or its columns; undefined for a file with no line. */
export async function readCsvHeader(file: string): Promise<CsvHeader | { error: string } | undefined> {
  for await (const batch of scanCsv(file)) {
    const first = batch[0];
    if (first.error) return { error: `The CSV header line ${first.error.reason}.` };
    return headerOf(first.fields);
  }
  return undefined;
}

/**
 * Streams a CSV file as batches of rows (one batch per 64 KiB read, so no promise per row). A row is one
 * physical record, numbered by the line it starts on (the header is line 1); a record the reader rejects
 * (over-long field or record, unclosed quote) becomes one row error in its place, naming its column.
 */
async function* parseCsv(file: string): AsyncGenerator<ParsedItem[]> {
  let header: CsvHeader | undefined;
  for await (const batch of scanCsv(file)) {
    const out: ParsedItem[] = [];
    for (const record of batch) {
      const row = record.line;
      if (!header) {
        if (record.error) throw new Error(`CSV header unreadable: ${record.error.reason}`);
        header = headerOf(record.fields);
        continue;
      }
      if (record.error) {
        const { column, reason, value } = record.error;
        out.push({ row, error: { row, field: columnName(header, column), reason, ...(value !== undefined ? { value: cellPreview(value) } : {}) } });
        continue;
      }
      const cells = noCells();
      const at = header.cells;
      const fields = record.fields;
      for (let i = 0; i < at.length && i < fields.length; i++) if (at[i] >= 0) cells[at[i]] = fields[i];
      out.push({ row, raw: { cells, refs: NO_REFS } });
    }
    if (out.length > 0) yield out;
  }
}

/** Maps one JSON object (flat CSV-like keys or the API's member shape) to a raw row. */
function rawFromObject(row: number, value: unknown): ParsedItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { row, error: { row, field: 'row', reason: 'is not a JSON object' } };
  const cells = noCells();
  const refs: RawRow['refs'] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'address' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const a = v as Record<string, unknown>;
      for (const [part, field] of [['line1', 'addressLine1'], ['line2', 'addressLine2'], ['town', 'town'], ['postcode', 'postcode']] as const) {
        if (typeof a[part] === 'string' || typeof a[part] === 'number') cells[FIELD_INDEX[field]] = String(a[part]);
      }
      continue;
    }
    if (key === 'externalRefs' && Array.isArray(v)) {
      for (const r of v) {
        if (typeof r === 'object' && r !== null && typeof (r as { system?: unknown }).system === 'string' && typeof (r as { id?: unknown }).id === 'string') {
          refs.push({ system: (r as { system: string }).system, id: (r as { id: string }).id });
        } else return { row, error: { row, field: 'externalRefs', reason: 'each must be { "system": text, "id": text }' } };
      }
      continue;
    }
    const field = fieldOf(key);
    if (field === undefined || v === null || v === undefined) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') cells[FIELD_INDEX[field]] = String(v);
    else return { row, error: { row, field: key, reason: 'must be text, a number or true/false' } };
  }
  return { row, raw: { cells, refs } };
}

/** The first non-blank character of a spooled file (to tell a JSON array from anything else). */
export async function firstCharacter(file: string): Promise<string | undefined> {
  const input = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const m = /[^\s\uFEFF]/.exec(chunk);
      if (m) return m[0];
    }
    return undefined;
  } finally {
    input.destroy();
  }
}

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

/**
 * Streams the elements of a top-level JSON array one by one without holding the array: a small scanner finds
 * each element's end (depth, strings, escapes) and JSON.parse reads just that element.
 */
async function* parseJsonArray(file: string): AsyncGenerator<ParsedItem[]> {
  const input = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  let started = false;
  let depth = 0;
  let inString = false;
  let escape = false;
  let parts: string[] = [];
  let partLen = 0;
  let oversized = false;
  let row = 0;
  function finish(text: string): ParsedItem | undefined {
    const trimmed = text.trim();
    if (trimmed === '' && !oversized) return undefined;
    row++;
    if (oversized) {
      oversized = false;
      return { row, error: { row, field: 'row', reason: `is longer than ${MAX_RECORD_CHARS} characters` } };
    }
    try {
      return rawFromObject(row, JSON.parse(trimmed));
    } catch {
      return { row, error: { row, field: 'row', reason: 'is not valid JSON' } };
    }
  }
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let start = 0;
      let i = 0;
      if (!started) {
        const at = chunk.indexOf('[');
        if (at < 0) continue;
        started = true;
        i = start = at + 1;
      }
      const out: ParsedItem[] = [];
      for (; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (inString) {
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) depth--;
        else if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
          const text = parts.join('') + chunk.slice(start, i);
          parts = [];
          partLen = 0;
          const item = finish(text);
          if (item) out.push(item);
          start = i + 1;
          if (c === CLOSE_BRACKET) {
            if (out.length > 0) yield out;
            return;
          }
        }
      }
      if (!oversized) {
        const rest = chunk.slice(start);
        partLen += rest.length;
        if (partLen > MAX_RECORD_CHARS) {
          oversized = true;
          parts = [];
        } else parts.push(rest);
      }
      if (out.length > 0) yield out;
    }
    const tail = finish(parts.join(''));
    if (tail) yield ['raw' in tail ? { row: tail.row, error: { row: tail.row, field: 'row', reason: 'the JSON array is not closed' } } : tail];
  } finally {
    input.destroy();
  }
}

/** Streams newline-delimited JSON in batches, one object per line (blank lines ignored; row = line number). */
async function* parseNdjson(file: string): AsyncGenerator<ParsedItem[]> {
  const input = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let row = 0;
  let out: ParsedItem[] = [];
  try {
    for await (const line of lines) {
      row++;
      const text = row === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (text.trim() !== '') {
        if (text.length > MAX_RECORD_CHARS) out.push({ row, error: { row, field: 'row', reason: `is longer than ${MAX_RECORD_CHARS} characters` } });
        else {
          try {
            out.push(rawFromObject(row, JSON.parse(text)));
          } catch {
            out.push({ row, error: { row, field: 'row', reason: 'is not valid JSON' } });
          }
        }
      }
      if (out.length >= 500) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    lines.close();
    input.destroy();
  }
}

/** The parser for a format: batches of rows in file order. */
export function parseFile(file: string, format: ImportFormat): AsyncGenerator<ParsedItem[]> {
  return format === 'csv' ? parseCsv(file) : format === 'json' ? parseJsonArray(file) : parseNdjson(file);
}
