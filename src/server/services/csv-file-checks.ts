/**
 * Checks on the bytes and cells of an uploaded CSV file, before and while the assignment import reads it
 * (assignment-import-service.ts): encoding, NUL characters, spreadsheet formulas, and quoting a cell
 * for a message.
 */

/** A cell a spreadsheet would evaluate (OWASP "CSV injection"); a leading + before a phone number is fine. */
export function isFormulaCell(cell: string): boolean {
  if (/^[=@\t\r]/.test(cell)) return true;
  return /^[+-]/.test(cell) && !/^\+[0-9][0-9 ().-]*$/.test(cell);
}

/** A short, printable quote of a cell for a message. */
export function quote(cell: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const printable = cell.replace(/[\u0000-\u001f\u007f]/g, '?');
  return `"${printable.length > 40 ? `${printable.slice(0, 40)}…` : printable}"`;
}

/** The 1-based line of the byte at `offset`. */
export function lineOfOffset(file: Buffer, offset: number): number {
  let line = 1;
  for (let at = file.indexOf(0x0a); at !== -1 && at < offset; at = file.indexOf(0x0a, at + 1)) line += 1;
  return line;
}

/** The 1-based line of the first bytes that are not UTF-8, or null when the whole file is UTF-8. */
export function firstNonUtf8Line(file: Buffer): number | null {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // One pass over the whole file first: only a file that is not UTF-8 is read again line by line.
  try {
    decoder.decode(file);
    return null;
  } catch {
    // find the line below
  }
  let line = 1;
  let start = 0;
  while (start <= file.length) {
    let end = file.indexOf(0x0a, start);
    if (end === -1) end = file.length;
    try {
      decoder.decode(file.subarray(start, end));
    } catch {
      return line;
    }
    line += 1;
    start = end + 1;
  }
  return null;
}
