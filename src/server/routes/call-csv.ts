/**
 * Call records as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes
 * doubled). Text that a spreadsheet would run as a formula (=, @, +, - and tab/CR in front, as in
 * OWASP's "CSV injection") gets a leading apostrophe, except plain numbers such as +13125550100, which
 * stay as they are so that exported phone numbers remain usable.
 */
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
];

const PLAIN_NUMBER = /^[+-]?[0-9][0-9.]*$/;

/** One CSV field, escaped. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !PLAIN_NUMBER.test(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return COLUMNS.map(([h]) => h).join(',') + '\r\n';
}

export function csvLine(row: CallListRow): string {
  return COLUMNS.map(([, get]) => csvField(get(row))).join(',') + '\r\n';
}

/** The header, then one line per record; lines are grouped into chunks to keep writes few. */
export async function* callsToCsv(rows: AsyncIterable<CallListRow>): AsyncGenerator<string> {
  let chunk = csvHeader();
  for await (const row of rows) {
    chunk += csvLine(row);
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
