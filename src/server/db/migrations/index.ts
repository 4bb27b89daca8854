import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_telnyx.js';
import * as m0003 from './0003_connections_indexes.js';
import * as m0004 from './0004_connections_revision.js';
import * as m0005 from './0005_login_throttle.js';
import * as m0006 from './0006_call_signalling.js';
import * as m0007 from './0007_admin_indexes.js';
import * as m0008 from './0008_trunk_health.js';
import * as m0009 from './0009_emergency_calls.js';
import * as m0011 from './0011_job_leases.js';
import * as m0012 from './0012_history_outlives_accounts.js';
import * as m0014 from './0014_number_assignment_columns.js';
import * as m0015 from './0015_analytics_rollups.js';
import * as m0016 from './0016_number_text_search.js';
import * as m0017 from './0017_number_search_no_pending_list.js';
import * as m0018 from './0018_number_search_text.js';
import * as m0019 from './0019_revision_ignores_last_used.js';
import * as m0020 from './0020_rollup_pending.js';
import * as m0021 from './0021_number_copy_insert_unchanged.js';
import * as m0022 from './0022_number_short_search_table.js';
import * as m0023 from './0023_rollup_levels_without_agent.js';
import * as m0024 from './0024_call_interruption_recovery.js';
import * as m0025 from './0025_rollup_weeks.js';

/**
 * Migrations are listed here rather than read from a folder so they work the same from tsx, from a
 * bundle and in tests. Add new files as `NNNN_name.ts` and list them in order; never edit a shipped one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_telnyx': m0002,
  '0003_connections_indexes': m0003,
  '0004_connections_revision': m0004,
  '0005_login_throttle': m0005,
  '0006_call_signalling': m0006,
  '0007_admin_indexes': m0007,
  '0008_trunk_health': m0008,
  '0009_emergency_calls': m0009,
  '0011_job_leases': m0011,
  '0012_history_outlives_accounts': m0012,
  '0014_number_assignment_columns': m0014,
  '0015_analytics_rollups': m0015,
  '0016_number_text_search': m0016,
  '0017_number_search_no_pending_list': m0017,
  '0018_number_search_text': m0018,
  '0019_revision_ignores_last_used': m0019,
  '0020_rollup_pending': m0020,
  '0021_number_copy_insert_unchanged': m0021,
  '0022_number_short_search_table': m0022,
  '0023_rollup_levels_without_agent': m0023,
  '0024_call_interruption_recovery': m0024,
  '0025_rollup_weeks': m0025,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
