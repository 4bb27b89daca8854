/**
 * The read half every admin service shares: a page of DTOs from its repository's `list`, and one DTO by
 * id or a 404 naming the entity. Each admin service extends it and adds its own writes.
 */
import type { Page } from '../../shared/api.js';
import { NotFoundError } from '../../shared/errors.js';
import type { PageRequest, PageResult } from '../repositories/query-helpers.js';
import { pageRequest, toPage, type PageQuery } from './admin-mappers.js';

export interface ReadableRepository<F, R> {
  list(filters: F, page: PageRequest): Promise<PageResult<R>>;
  findById(id: string): Promise<R | undefined>;
}

export abstract class AdminReads<F, R, T> {
  protected constructor(
    private readonly readable: ReadableRepository<F, R>,
    /** "Trunk", "Phone number"…: the 404 says "<what> was not found". */
    private readonly what: string,
    private readonly toDto: (row: R) => T,
  ) {}

  async list(filters: F, page: PageQuery = {}): Promise<Page<T>> {
    const p = pageRequest(page);
    return toPage(await this.readable.list(filters, p), p, this.toDto);
  }

  async get(id: string): Promise<T> {
    const row = await this.readable.findById(id);
    if (!row) throw new NotFoundError(this.what);
    return this.toDto(row);
  }
}
