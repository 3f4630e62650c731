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
export const ERROR_REPORT_HEADER = csvLine(['row', 'field', 'reason', 'value']);
