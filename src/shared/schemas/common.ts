/**
 * Building blocks of the request schemas (zod), shared by the server's routes and the browser's forms:
 * messages in words a person acts on, one id rule, one E.164 rule, ISO dates and date-times.
 * The error handler prefixes each message with its field ("ownerId: is required").
 */
import { z } from 'zod';
import { COUNTRY_CODE_PATTERN, E164_PATTERN, ID_PATTERN } from '../value-rules.js';

/** zod's defaults ("expected string, received undefined") become words a person acts on. */
export const expected = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

export const str = () => z.string({ error: expected('text') });
export const int = () => z.number({ error: expected('a whole number') }).int('must be a whole number');
export const bool = () => z.boolean({ error: expected('true or false') });

export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: expected(`one of: ${values.join(', ')}`) });

/** The one id rule (ID_PATTERN): anything else is a 400 before it reaches a query. */
export const id = () => str().regex(ID_PATTERN, 'is not a valid id');

/** `{ id }` path parameters. */
export const idParams = z.strictObject({ id: id() });

/** An E.164 number (E164_PATTERN), after removing the spaces, dots, dashes and brackets people paste. */
export const e164 = (example = '+13125550100') =>
  z
    .string({ error: expected('text') })
    .transform(stripNumberFormatting)
    .pipe(z.string().regex(E164_PATTERN, `must be an E.164 number such as ${example}`));

/** People paste numbers with spaces, dots, dashes and brackets; records keep the bare form. */
export function stripNumberFormatting(value: string): string {
  return value.trim().replace(/[\s().-]/g, '');
}

export const countryCode = () =>
  str().regex(COUNTRY_CODE_PATTERN, 'must be an ISO 3166 alpha-2 code such as US');

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 0, 1);

/** An ISO 8601 date-time with a time zone (zod's rule), normalised to UTC `toISOString()` form. */
export const isoDateTimeUtc = (message: string) =>
  z.iso
    .datetime({ offset: true, error: message })
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() >= EARLIEST && d.getTime() <= LATEST, message)
    .transform((d) => d.toISOString());

/**
 * A filter bound: an ISO date (a whole UTC day) or date-time with a time zone. `from` gives the inclusive
 * lower bound, `to` the exclusive upper bound, so "to=2026-11-24" includes that whole day.
 */
export const isoBound = (which: 'from' | 'to', message: string) =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: message }).transform((v) => {
    if (v.length === 10) {
      const start = Date.parse(`${v}T00:00:00Z`);
      return new Date(which === 'from' ? start : start + 86_400_000).toISOString();
    }
    const t = Date.parse(v);
    return new Date(which === 'from' ? t : t + 1).toISOString();
  });

/** ?page=&pageSize= of admin lists. */
export const pageFields = {
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500, 'must be at most 500').optional(),
};

/**
 * `?sort=field` (ascending) or `?sort=-field` (descending), one of `fields`; anything else is a 400 that
 * lists what is allowed. Ties are broken by the row id, so paging is stable.
 */
export function sortParam<const F extends readonly [string, ...string[]]>(fields: F) {
  const values = fields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z
    .enum(values, { error: `must be one of: ${fields.join(', ')} (a leading - sorts descending)` })
    .transform((v) => {
      const desc = v.startsWith('-');
      const name = desc ? v.slice(1) : v;
      // `values` holds only `fields` and their `-` forms, so the find always succeeds.
      const field: F[number] = fields.find((f) => f === name) ?? fields[0];
      return { field, direction: desc ? ('desc' as const) : ('asc' as const) };
    });
}

/** ?flag=true|false */
export const boolQuery = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((v) => v === 'true');
