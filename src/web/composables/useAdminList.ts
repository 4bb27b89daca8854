/**
 * One server-side admin list on one page: its filters, page, page size and sort, the page of rows that
 * came back, and the loading and error states. The page that shows the list owns it (the rows are a
 * view of the server's data, not a fact the app keeps): leaving the page forgets it.
 * Typing in a text filter waits a moment before asking; an answer to an older question is ignored.
 */
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import type { Page } from '../../shared/api.js';
import { ApiError } from '../api/client.js';
import type { ListQuery } from '../api/admin.js';

export type FilterValue = string | number | null;

export interface SortState {
  field: string;
  order: 'asc' | 'desc';
}

const TYPING_DELAY_MS = 250;

export function useAdminList<T, F extends Record<string, FilterValue>>(
  fetchPage: (query: ListQuery, signal: AbortSignal) => Promise<Page<T>>,
  initialFilters: F,
  options: {
    pageSize?: number;
    sort?: SortState | null;
    typed?: (keyof F)[];
    /** How the page is asked for (default `page` and `pageSize`). */
    pageQuery?: (page: number, pageSize: number) => ListQuery;
  } = {},
) {
  const filters = reactive({ ...initialFilters }) as F;
  const page = ref(1);
  const pageSize = ref(options.pageSize ?? 25);
  const sort = ref<SortState | null>(options.sort ?? null);
  const result = shallowRef<Page<T> | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const items = computed(() => result.value?.items ?? []);
  const total = computed(() => result.value?.total ?? 0);
  const first = computed(() => (page.value - 1) * pageSize.value);
  const hasFilters = computed(() =>
    Object.entries(filters).some(([k, v]) => v !== null && v !== '' && v !== initialFilters[k]),
  );

  /** The filters as query parameters (what "all that match the filter" and the CSV export send too). */
  function filterQuery(): ListQuery {
    const query: ListQuery = {};
    for (const [k, v] of Object.entries(filters)) if (v !== null && v !== '') query[k] = v;
    return query;
  }

  async function load(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    loading.value = true;
    try {
      const paging = options.pageQuery ?? ((p: number, size: number) => ({ page: p, pageSize: size }));
      const query: ListQuery = { ...filterQuery(), ...paging(page.value, pageSize.value) };
      if (sort.value) query.sort = `${sort.value.order === 'desc' ? '-' : ''}${sort.value.field}`;
      const next = await fetchPage(query, mine.signal);
      if (controller !== mine) return;
      result.value = next;
      error.value = null;
    } catch (err) {
      if (controller !== mine || mine.signal.aborted) return;
      error.value = err instanceof ApiError ? err.message : 'The list could not be loaded.';
    } finally {
      if (controller === mine) loading.value = false;
    }
  }

  function setPage(nextPage: number, nextSize: number = pageSize.value): void {
    page.value = nextPage;
    pageSize.value = nextSize;
    void load();
  }

  function setSort(next: SortState | null): void {
    sort.value = next;
    page.value = 1;
    void load();
  }

  /** A filter changed: back to the first page; text filters wait until typing pauses. */
  function onFiltersChanged(typing: boolean): void {
    page.value = 1;
    if (timer) clearTimeout(timer);
    if (typing) timer = setTimeout(() => void load(), TYPING_DELAY_MS);
    else void load();
  }

  const typed = new Set<keyof F>(options.typed ?? ['q']);
  let previous = { ...filters };
  watch(
    () => ({ ...filters }),
    (now) => {
      const changed = Object.keys(now).filter((k) => now[k] !== previous[k]);
      previous = { ...now };
      if (changed.length > 0) onFiltersChanged(changed.every((k) => typed.has(k)));
    },
  );

  function resetFilters(): void {
    Object.assign(filters, initialFilters);
  }

  function dispose(): void {
    if (timer) clearTimeout(timer);
    controller?.abort();
  }

  return {
    filters,
    page,
    pageSize,
    sort,
    result,
    items,
    total,
    first,
    loading,
    error,
    hasFilters,
    filterQuery,
    load,
    setPage,
    setSort,
    resetFilters,
    dispose,
  };
}
