import fs from 'node:fs';

/** The longest field a CSV record may hold (characters, after decoding). */
const MAX_FIELD_CHARS = 10_000;
/** The longest CSV record (bytes, from its first byte to its line break). */
const MAX_RECORD_BYTES = 64 * 1024;
/** Bytes of a field past which it is over MAX_FIELD_CHARS whatever it holds (UTF-8: at most 4 bytes a character). */
const MAX_FIELD_BYTES = MAX_FIELD_CHARS * 4;

/**
 * One physical record: the line it starts on (1-based, counting every line break of the file, so a record with
 * quoted line breaks is numbered by its first line), its fields, and — when it cannot be taken — the column
 * (-1: the whole record) and why. A rejected record's fields are not kept.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
  error?: { column: number; reason: string; value?: string };
}

const CR = 13;
const LF = 10;
const QUOTE = 34;
const COMMA = 44;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote seen inside a quoted field: the next byte says whether it was an escaped quote or the closing one. */
const QUOTE_SEEN = 3;

/** Where to read again after an unterminated quote: just after the first line break inside it. */
interface Resume {
  offset: number;
  line: number;
  /** The break was a CR: a LF right after it belongs to it. */
  cr: boolean;
}

/**
 * A streaming RFC 4180 reader over bytes (`,` `"` CR LF never occur inside a UTF-8 sequence, so fields are
 * decoded only once cut out). Lenient where spreadsheets are: a quote inside an unquoted field is data
 * (`O"Brien`, ` "B"`); text after a closing quote is appended to the field; CRLF, LF and a lone CR all end a
 * record; blank lines are skipped but counted. Bounds: a field over MAX_FIELD_CHARS or a record over
 * MAX_RECORD_BYTES rejects that record alone — bytes are then only counted, never kept, until the record ends.
 */
export class CsvScanner {
  private state = FIELD_START;
  private line: number;
  private cr: boolean;
  private atFileStart: boolean;
  private fields: string[] = [];
  /** The column the current field is in. */
  private column = 0;
  private error: CsvRecord['error'];
  private recordLine: number;
  private recordStart: number;
  /** Bytes of the current field from earlier chunks (or before an escaped quote). */
  private segs: Buffer[] = [];
  private segBytes = 0;
  /** Where the current field's bytes start in the current chunk; -1 when none. */
  private segStart = -1;
  /** The current field is over the limit: its bytes are skipped, not kept. */
  private dropping = false;
  private resume: Resume | undefined;
  private base: number;

  constructor(
    private readonly emit: (r: CsvRecord) => void,
    start: { offset: number; line: number; cr: boolean },
  ) {
    this.base = start.offset;
    this.line = start.line;
    this.cr = start.cr;
    this.atFileStart = start.offset === 0;
    this.recordLine = start.line;
    this.recordStart = start.offset;
  }

  write(buf: Buffer): void {
    let i = 0;
    const n = buf.length;
    if (this.atFileStart) {
      this.atFileStart = false;
      if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        i = 3;
        this.recordStart = 3;
      }
    }
    if (this.state === UNQUOTED || this.state === QUOTED) this.segStart = i;
    for (; i < n; i++) {
      const b = buf[i];
      if (this.cr) {
        this.cr = false;
        // The LF of a CRLF: counted with the CR. Outside quotes it ends nothing more; inside, it is data.
        if (b === LF) {
          if (this.state === FIELD_START && this.fields.length === 0) this.recordStart = this.base + i + 1;
          continue;
        }
      }
      switch (this.state) {
        case FIELD_START:
          if (b === QUOTE) {
            this.state = QUOTED;
            this.segStart = i + 1;
            this.resume = undefined;
          } else if (b === COMMA) {
            this.segStart = i;
            this.endField(buf, i);
          } else if (b === LF || b === CR) {
            this.segStart = i;
            this.endField(buf, i);
            this.endRecord(i, b === CR);
          } else {
            this.state = UNQUOTED;
            this.segStart = i;
          }
          break;
        case UNQUOTED:
          if (b === COMMA) this.endField(buf, i);
          else if (b === LF || b === CR) {
            this.endField(buf, i);
            this.endRecord(i, b === CR);
          }
          break;
        case QUOTED:
          if (b === QUOTE) {
            this.keep(buf, i);
            this.state = QUOTE_SEEN;
          } else if (b === LF || b === CR) {
            this.line++;
            if (b === CR) this.cr = true;
            this.resume ??= { offset: this.base + i + 1, line: this.line, cr: b === CR };
          }
          break;
        case QUOTE_SEEN:
          if (b === QUOTE) {
            // An escaped quote: the second one is data, and the field goes on.
            this.state = QUOTED;
            this.segStart = i;
          } else if (b === COMMA) {
            this.segStart = i;
            this.endField(buf, i);
          } else if (b === LF || b === CR) {
            this.segStart = i;
            this.endField(buf, i);
            this.endRecord(i, b === CR);
          } else {
            this.state = UNQUOTED;
            this.segStart = i;
          }
          break;
      }
    }
    // The current field goes on in the next chunk: keep (a copy of) its bytes so far.
    if (this.state === UNQUOTED || this.state === QUOTED) this.keep(buf, n);
    this.checkRecord(this.base + n);
    this.base += n;
  }

  /** At the end of the input; returns where to read again when a quote was never closed. */
  end(): Resume | undefined {
    if (this.state === QUOTED) {
      // This reason replaces any other: the missing quote is why the record ran long.
      this.error = { column: this.column, reason: 'opens a quote (") that is never closed' };
      this.emitRecord();
      return this.resume;
    }
    if (this.state !== FIELD_START || this.fields.length > 0) {
      // The last field's bytes are all in segs (moved there at the end of the last chunk).
      this.segStart = -1;
      this.endField(Buffer.alloc(0), 0);
      this.emitRecord();
    }
    return undefined;
  }

  /** Moves the current field's bytes up to `end` of this chunk into segs (counting them; kept only under the limit). */
  private keep(buf: Buffer, end: number): void {
    if (this.segStart < 0 || end <= this.segStart) {
      this.segStart = -1;
      return;
    }
    this.segBytes += end - this.segStart;
    if (!this.dropping && this.error === undefined) {
      if (this.segBytes > MAX_FIELD_BYTES) this.overflow(Buffer.concat([...this.segs, buf.subarray(this.segStart, end)]).toString('utf8'));
      else this.segs.push(Buffer.from(buf.subarray(this.segStart, end)));
    }
    this.segStart = -1;
  }

  private overflow(text: string): void {
    this.dropping = true;
    this.segs = [];
    this.error ??= { column: this.column, reason: `is longer than ${MAX_FIELD_CHARS.toLocaleString('en-GB')} characters`, value: text.slice(0, 200) };
  }

  private endField(buf: Buffer, end: number): void {
    if (!this.dropping && this.error === undefined) {
      let text: string;
      if (this.segs.length === 0) text = this.segStart >= 0 && end > this.segStart ? buf.toString('utf8', this.segStart, end) : '';
      else {
        if (this.segStart >= 0 && end > this.segStart) this.segs.push(buf.subarray(this.segStart, end));
        text = this.segs.length === 1 ? this.segs[0].toString('utf8') : Buffer.concat(this.segs).toString('utf8');
      }
      if (text.length > MAX_FIELD_CHARS) this.overflow(text);
      else this.fields.push(text);
    }
    this.segs = [];
    this.segBytes = 0;
    this.segStart = -1;
    this.dropping = false;
    this.column++;
    this.state = FIELD_START;
    this.checkRecord(this.base + end);
  }

  /** Rejects the record once it is longer than MAX_RECORD_BYTES (its fields are dropped from then on). */
  private checkRecord(at: number): void {
    if (this.error === undefined && at - this.recordStart > MAX_RECORD_BYTES) {
      this.error = { column: -1, reason: `is longer than ${MAX_RECORD_BYTES.toLocaleString('en-GB')} bytes` };
      this.segs = [];
      this.fields = [];
    }
  }

  private endRecord(i: number, cr: boolean): void {
    this.emitRecord();
    this.line++;
    this.cr = cr;
    this.recordLine = this.line;
    this.recordStart = this.base + i + 1;
  }

  private emitRecord(): void {
    const blank = this.error === undefined && this.fields.length === 1 && this.fields[0] === '';
    if (!blank) this.emit(this.error ? { line: this.recordLine, fields: [], error: this.error } : { line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.error = undefined;
    this.column = 0;
    this.state = FIELD_START;
  }
}

/**
 * Streams a CSV file as batches of records (one batch per 64 KiB read). A quote never closed rejects its record,
 * and reading starts again on the line after the one the quote opened on — so every later line is still read.
 * (That second pass cannot meet another unclosed quote: everything after the first one was inside it, so all its
 * quotes come in pairs, and a field opened by a run of paired quotes closes at the run's end. A file is read at
 * most twice.)
 */
export async function* scanCsv(file: string, opts: { highWaterMark?: number } = {}): AsyncGenerator<CsvRecord[]> {
  let start = { offset: 0, line: 1, cr: false };
  for (;;) {
    let out: CsvRecord[] = [];
    const scanner = new CsvScanner((r) => out.push(r), start);
    const input = fs.createReadStream(file, { start: start.offset, highWaterMark: opts.highWaterMark ?? 64 * 1024 });
    let resume: Resume | undefined;
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        scanner.write(chunk);
        if (out.length > 0) {
          yield out;
          out = [];
        }
      }
      resume = scanner.end();
      if (out.length > 0) yield out;
    } finally {
      input.destroy();
    }
    if (!resume) return;
    start = resume;
  }
}
