/** What the Analytics page is showing: its filters, grouping and trend step. */
import { addDays } from '../../shared/time-zone.js';

export interface AnalyticsPageFilters {
  /** Local dates in the viewer's zone, both inclusive. */
  from: string;
  to: string;
  connectionId: string | null;
  phoneNumberId: string | null;
  direction: string | null;
  /** Admins: "all", or one user's id (their own for "My calls"). */
  agent: string;
  by: 'connection' | 'number' | 'agent';
  bucket: 'day' | 'week';
}

/** The last 30 days up to `today`, everyone's calls (admins), per connection, per day. */
export function defaultFilters(today: string): AnalyticsPageFilters {
  return {
    from: addDays(today, -29),
    to: today,
    connectionId: null,
    phoneNumberId: null,
    direction: null,
    agent: 'all',
    by: 'connection',
    bucket: 'day',
  };
}
