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

/**
 * `values` as a one-column table `(values ('a'), ('b'), …)`, to join with instead of `column in (...)`.
 * PostgreSQL may estimate a pg_trgm index (migration 0016, which also answers `=`) as nearly free for an
 * IN list over phone_numbers.number and then reads its whole pending list once per value (0.5-5 s per
 * 500 numbers after a bulk write); a join is planned over the unique index, on both databases.
 */
export function valuesTable<C extends string>(values: readonly string[]) {
  return sql<Record<C, string>>`(values ${sql.join(values.map((v) => sql`(${v})`))})`;
}

/** `items` in slices of at most `size`. */
export function chunked<T>(items: readonly T[], size = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A parsed `?sort=` (schemas/admin.ts). */
export interface SortRequest<F extends string = string> {
  field: F;
  direction: 'asc' | 'desc';
}

/** How one sortable field reads in SQL: its column, and whether it may be null. */
export interface SortColumn {
  column: string;
  /** Nulls sort last in both directions, the same on SQLite and PostgreSQL. */
  nullable?: boolean;
  /** Unique: no tie-break needed (and none added, so its index alone serves the order). */
  unique?: boolean;
}

/**
 * Orders `q` by the requested field (or `fallback`), then by `tiebreak` (a unique column), so a page
 * boundary never splits rows that compare equal. Columns come from the repository's own map, never
 * from the request's text.
 */
export function orderBySort<DB, TB extends keyof DB, O, F extends string>(
  q: SelectQueryBuilder<DB, TB, O>,
  columns: Record<F, SortColumn>,
  sort: SortRequest<F> | undefined,
  fallback: SortRequest<F>,
  tiebreak: string,
): SelectQueryBuilder<DB, TB, O> {
  const { field, direction } = sort ?? fallback;
  const { column, nullable, unique } = columns[field];
  const ref = sql.ref(column);
  let ordered = q;
  if (nullable) ordered = ordered.orderBy(sql`case when ${ref} is null then 1 else 0 end`);
  ordered = ordered.orderBy(sql`${ref}`, direction);
  return unique ? ordered : ordered.orderBy(sql`${sql.ref(tiebreak)}`, direction);
}
