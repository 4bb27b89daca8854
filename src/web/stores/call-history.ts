/**
 * The agent's call history: the filters, the page of calls they select, and the CSV link for the same
 * filters. Each visit of the page starts afresh ({@link open}); changing a filter reloads from page 1
 * (the search box after a pause in typing); answers that arrive after a newer request are dropped.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { CallDto, Page } from '../../shared/api.js';
import type { CallDirection, CallOutcome } from '../../shared/domain.js';
import { ApiError, type CallListQuery, api } from '../api/client.js';
import { useConnectionsStore } from './connections.js';

/** How long the search box waits for a pause in typing before it asks the server. */
export const SEARCH_DEBOUNCE_MS = 300;
const DEFAULT_PAGE_SIZE = 25;

export interface HistoryFilters {
  /** The date picker's range: [start, end], [start, null] while the end is being picked, or null. */
  dates: Date[] | (Date | null)[] | null;
  connectionId: string | null;
  phoneNumberId: string | null;
  direction: CallDirection | null;
  outcome: CallOutcome | null;
  search: string;
}

/** A failed load: the message for the page, and whether it is worth a toast (a lost session is not). */
export interface HistoryError {
  message: string;
  notify: boolean;
}

type FilterQuery = Omit<CallListQuery, 'page' | 'pageSize'>;

function noFilters(): HistoryFilters {
  return {
    dates: null,
    connectionId: null,
    phoneNumberId: null,
    direction: null,
    outcome: null,
    search: '',
  };
}

export const useCallHistoryStore = defineStore('callHistory', () => {
  const connections = useConnectionsStore();
  const filters = reactive<HistoryFilters>(noFilters());
  const page = ref(1);
  const pageSize = ref(DEFAULT_PAGE_SIZE);
  const result = ref<Page<CallDto> | null>(null);
  const loading = ref(false);
  const error = ref<HistoryError | null>(null);
  let seq = 0;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  const hasFilters = computed(
    () =>
      !!filters.dates?.[0] ||
      !!filters.connectionId ||
      !!filters.phoneNumberId ||
      !!filters.direction ||
      !!filters.outcome ||
      !!filters.search.trim(),
  );
  /** Index of the first row on the page (the table's paginator counts rows, not pages). */
  const first = computed(() => (page.value - 1) * pageSize.value);
  const filterQuery = computed(() => toQuery(filters));
  const csvUrl = computed(() => api.callsCsvUrl(filterQuery.value));

  async function load(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const answer = await api.listCalls({
        ...filterQuery.value,
        page: page.value,
        pageSize: pageSize.value,
      });
      if (mine !== seq) return;
      result.value = answer;
    } catch (err) {
      if (mine !== seq) return;
      error.value = {
        message: err instanceof ApiError ? err.message : 'The call history could not be loaded.',
        notify: !(err instanceof ApiError && err.isUnauthenticated),
      };
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** The history page opened: no filters, the first page of the default size, as on a first visit. */
  function open(): Promise<void> {
    reset();
    return load();
  }

  function setPage(next: number, size: number): Promise<void> {
    page.value = next;
    pageSize.value = size;
    return load();
  }

  function reloadFromFirstPage(): void {
    clearTimeout(searchTimer);
    page.value = 1;
    void load();
  }

  function setFilter<K extends keyof HistoryFilters>(key: K, value: HistoryFilters[K]): void {
    filters[key] = value;
    if (key === 'search') {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(reloadFromFirstPage, SEARCH_DEBOUNCE_MS);
      return;
    }
    // A half-chosen range (start only, picker still open) waits for its end date.
    if (key === 'dates' && filters.dates?.[0] && filters.dates.length > 1 && !filters.dates[1]) return;
    // A number that is not on the chosen connection would match nothing: drop it.
    if (key === 'connectionId' && filters.connectionId && filters.phoneNumberId) {
      const numbers = connections.connections.find((c) => c.id === filters.connectionId)?.numbers ?? [];
      if (!numbers.some((n) => n.phoneNumberId === filters.phoneNumberId)) filters.phoneNumberId = null;
    }
    reloadFromFirstPage();
  }

  function resetFilters(): void {
    Object.assign(filters, noFilters());
    reloadFromFirstPage();
  }

  /** Forget everything (another user signs in, or the page opens again). */
  function reset(): void {
    seq++;
    clearTimeout(searchTimer);
    Object.assign(filters, noFilters());
    page.value = 1;
    pageSize.value = DEFAULT_PAGE_SIZE;
    result.value = null;
    loading.value = false;
    error.value = null;
  }

  return {
    filters,
    page,
    pageSize,
    result,
    loading,
    error,
    hasFilters,
    first,
    csvUrl,
    open,
    load,
    setPage,
    setFilter,
    resetFilters,
    reset,
  };
});

/** The filters as the API reads them: whole local days for the date range, a trimmed search. */
function toQuery(filters: HistoryFilters): FilterQuery {
  const [start, end] = filters.dates ?? [];
  const q: FilterQuery = {};
  if (start) {
    q.from = startOfDay(start).toISOString();
    q.to = endOfDay(end ?? start).toISOString();
  }
  if (filters.connectionId) q.connectionId = filters.connectionId;
  if (filters.phoneNumberId) q.phoneNumberId = filters.phoneNumberId;
  if (filters.direction) q.direction = filters.direction;
  if (filters.outcome) q.outcome = filters.outcome;
  if (filters.search.trim()) q.q = filters.search.trim();
  return q;
}

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

function endOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), 23, 59, 59, 999);
}
