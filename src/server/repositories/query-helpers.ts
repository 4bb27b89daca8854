/**
 * The few query shapes every repository repeats, written once: a page of rows with the total count of
 * the same filter, and a case-insensitive "contains" match whose `%` and `_` are literal.
 */
import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';

export interface PageRequest {
  limit: number;
  offset: number;
}

export interface PageResult<R> {
  rows: R[];
  total: number;
}

/**
 * One page of `filtered` (rows chosen and ordered by `select`) and the number of rows the filter matches
 * in all, as two statements run concurrently.
 */
export async function fetchPage<DB, TB extends keyof DB, O, R>(
  filtered: SelectQueryBuilder<DB, TB, O>,
  select: (q: SelectQueryBuilder<DB, TB, O>) => SelectQueryBuilder<DB, TB, R>,
  page: PageRequest,
): Promise<PageResult<R>> {
  const [rows, count] = await Promise.all([
    select(filtered).limit(page.limit).offset(page.offset).execute(),
    filtered
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  // The selection type of a generic builder does not resolve to `{ n }`; the statement selects just that.
  return { rows, total: Number((count as { n: number | string }).n) };
}

/** `%text%` for LIKE with `\` as the escape character: the user's `%`, `_` and `\` match themselves. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * True when any of `columns` contains `text`, ignoring case (both sides lower-cased, so it is the same
 * on SQLite and PostgreSQL). `caseSensitive` keeps the columns as stored (digits-only columns).
 */
export function anyColumnContains<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  columns: readonly string[],
  text: string,
  options: { caseSensitive?: boolean } = {},
): Expression<SqlBool> {
  const pattern = containsPattern(options.caseSensitive ? text : text.toLowerCase());
  return eb.or(
    columns.map((c) =>
      options.caseSensitive
        ? sql<SqlBool>`${sql.ref(c)} like ${pattern} escape '\\'`
        : sql<SqlBool>`lower(${sql.ref(c)}) like ${pattern} escape '\\'`,
    ),
  );
}

/** Keeps IN (...) lists well under SQLite's and PostgreSQL's bound-parameter limits. */
export const IN_LIST_CHUNK = 500;

/** `items` in slices of at most `size`. */
export function chunked<T>(items: readonly T[], size = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
