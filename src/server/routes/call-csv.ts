/**
 * Call records as CSV, written by csv-stringify (RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted, quotes doubled). Text that a spreadsheet would run as a formula (=, @, +, - and
 * tab/CR in front, as in OWASP's "CSV injection") gets a leading apostrophe first, except plain numbers
 * such as +13125550100, which stay as they are so that exported phone numbers remain usable.
 */
import { pipeline, Readable } from 'node:stream';
import { stringify, type Options } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { CallListRow } from '../repositories/call-repository.js';

const COLUMNS: [header: string, value: (r: CallListRow) => string | number | null][] = [
  ['call_id', (r) => r.id],
  ['started_at', (r) => r.started_at],
  ['answered_at', (r) => r.answered_at],
  ['ended_at', (r) => r.ended_at],
  ['duration_seconds', (r) => r.duration_seconds],
  ['direction', (r) => r.direction],
  ['outcome', (r) => r.outcome],
  ['hangup_cause', (r) => r.hangup_cause],
  ['sip_code', (r) => r.sip_code],
  ['user_email', (r) => r.user_email],
  ['connection_id', (r) => r.trunk_id],
  ['connection_name', (r) => r.trunk_name],
  ['caller_number', (r) => r.caller_number],
  ['remote_number', (r) => r.remote_number],
  ['mos', (r) => (r.mos === null ? null : Math.round(r.mos * 100) / 100)],
  ['jitter_ms', (r) => (r.jitter_ms === null ? null : Math.round(r.jitter_ms * 100) / 100)],
  ['packet_loss_pct', (r) => (r.packet_loss_pct === null ? null : Math.round(r.packet_loss_pct * 100) / 100)],
  ['rtt_ms', (r) => (r.rtt_ms === null ? null : Math.round(r.rtt_ms * 100) / 100)],
  // Network interruptions: how many, when the latest began, and how long it took to recover (empty when
  // it never did).
  ['interruptions', (r) => r.interruptions],
  ['interrupted_at', (r) => r.interrupted_at],
  ['recovered_after_ms', (r) => r.recovered_after_ms],
];

const PLAIN_NUMBER = /^[+-]?[0-9][0-9.]*$/;

/** The formula-injection guard: text a spreadsheet would evaluate gets a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !PLAIN_NUMBER.test(text))) return `'${text}`;
  return text;
}

const CSV_OPTIONS: Options = {
  record_delimiter: 'windows',
  // csv-stringify quotes the record delimiter (CRLF) but not a lone LF or CR; a spreadsheet would split there.
  quoted_match: /[\r\n]/,
  cast: { string: neutraliseFormula },
};

/** One CSV field, guarded and escaped exactly as in the export. */
export function csvField(value: string | number | null): string {
  return stringifySync([[value]], { ...CSV_OPTIONS, eof: false });
}

/** The header, then one line per record, as a stream (memory stays flat whatever the export's size). */
export function callsToCsv(rows: AsyncIterable<CallListRow>): Readable {
  async function* records(): AsyncGenerator<(string | number | null)[]> {
    for await (const row of rows) yield COLUMNS.map(([, get]) => get(row));
  }
  const csv = stringify({ ...CSV_OPTIONS, header: true, columns: COLUMNS.map(([header]) => header) });
  // A failed read (database gone mid-export) destroys the response instead of ending it as if complete.
  return pipeline(Readable.from(records()), csv, () => undefined);
}

/**
 * Records (the first one the header) as a CSV stream with the same guard and escaping as the call
 * export (the admin's assignments export).
 */
export function csvStream(records: AsyncIterable<(string | number | null)[]>): Readable {
  return pipeline(Readable.from(records), stringify(CSV_OPTIONS), () => undefined);
}
