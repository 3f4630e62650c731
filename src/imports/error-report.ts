import type { ImportsRepository } from './imports.repository.js';

/**
 * One cell of the CSV error report. Cells a spreadsheet would run as a formula (starting with = + - @, tab or
 * carriage return) get a leading apostrophe; quotes, commas and line breaks are quoted per RFC 4180.
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line of the error report. */
export function csvLine(cells: Array<string | number>): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The header line of the error report. */
const ERROR_REPORT_HEADER = csvLine(['row', 'field', 'reason', 'value']);

/** The error report of a job as CSV lines (header first), read from the store page by page. */
export async function* errorReportLines(repo: Pick<ImportsRepository, 'errorsPage'>, jobId: string): AsyncGenerator<string> {
  yield ERROR_REPORT_HEADER;
  let after = 0;
  for (;;) {
    const page = await repo.errorsPage(jobId, after, 2000);
    if (page.length === 0) return;
    yield page.map((e) => csvLine([e.row, e.field, e.reason, e.value ?? ''])).join('');
    after = page[page.length - 1].ord;
  }
}
