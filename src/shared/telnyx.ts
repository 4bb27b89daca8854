/**
 * API shapes of the Telnyx features: sync runs, the drift report and pushing an assignment to Telnyx.
 * (The fallback connection list reuses `ConnectionListDto` from api.ts with `source: 'telnyx'`.)
 */

export const SYNC_RUN_STATUSES = ['running', 'succeeded', 'failed', 'interrupted'] as const;
/** `interrupted`: the process running it died (found by the next run); the next run completes the import. */
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

export interface SyncEntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** Newly marked as missing at Telnyx in this run (never deleted locally). */
  missing: number;
}

export interface SyncCounts {
  connections: SyncEntityCounts;
  numbers: SyncEntityCounts;
  /** Assignments created (or re-activated) from the number's connection at Telnyx. */
  assignments: { created: number; unchanged: number; conflicts: number };
  /** Drift items found when the run finished. */
  drift: number;
}

export interface SyncErrorDto {
  at: string;
  code: string;
  message: string;
}

export interface SyncRunDto {
  id: string;
  provider: 'telnyx';
  status: SyncRunStatus;
  triggeredBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  heartbeatAt: string;
  pagesDone: number;
  /** Known once the first page of each list came back. */
  pagesTotal: number | null;
  counts: SyncCounts;
  errors: SyncErrorDto[];
}

export interface SyncStartedDto {
  runId: string;
  status: SyncRunStatus;
}

export const DRIFT_KINDS = [
  /** Telnyx routes the number to a different connection than its active assignment in the database. */
  'number_on_other_connection',
  /** The number has no connection at Telnyx but is actively assigned to a Telnyx trunk locally. */
  'number_unassigned_at_telnyx',
  /** The number is actively assigned to a Telnyx trunk but Telnyx does not have it (never had, or gone). */
  'number_only_local',
  /** The connection is inactive at Telnyx but the trunk is active locally. */
  'connection_inactive_at_telnyx',
  /** The trunk's Telnyx connection no longer exists at Telnyx. */
  'connection_missing_at_telnyx',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItemDto {
  kind: DriftKind;
  /** One plain sentence for people. */
  message: string;
  trunkId: string | null;
  trunkName: string | null;
  telnyxConnectionId: string | null;
  phoneNumberId: string | null;
  number: string | null;
  /** For number_on_other_connection: where Telnyx routes it. */
  telnyxTrunkId?: string | null;
  telnyxTrunkName?: string | null;
}

export interface DriftReportDto {
  generatedAt: string;
  /** Drift is computed against what Telnyx said at the last finished sync. */
  basedOnRunId: string | null;
  basedOnSyncAt: string | null;
  count: number;
  byKind: Partial<Record<DriftKind, number>>;
  items: DriftItemDto[];
}

export interface PushTelnyxResultDto {
  ok: true;
  assignmentId: string;
  number: string;
  telnyxNumberId: string;
  telnyxConnectionId: string;
  /** Was already on that connection at Telnyx (the PATCH was still sent and confirmed). */
  alreadyThere: boolean;
}
