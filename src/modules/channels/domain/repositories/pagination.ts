/** Page request shared by list queries. */
export interface PageRequest {
  page: number;
  limit: number;
  sortBy: string;
  sortDir: 'asc' | 'desc';
}

/** One page of results and the total count. */
export interface Page<T> {
  items: T[];
  total: number;
}
