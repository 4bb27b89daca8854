/**
 * The call-records half of the API client (/api/calls writes), used by the call store: get a call
 * approval ahead of the click, open a record (with that approval, alongside the INVITE; without one,
 * before it), mark it answered, close it with outcome and quality, and keep it alive.
 */
import type { CallDto } from '../../shared/api.js';
import type {
  CallApprovalDto,
  CallApprovalRequest,
  CallHeartbeatDto,
  StartCallRequest,
  UpdateCallRequest,
} from '../../shared/call-api.js';
import { api, type ApiClient } from './client.js';

/** Record writes are small; a server that has not answered in this long is treated as unreachable. */
const WRITE_TIMEOUT_MS = 8000;

/** Ahead of the click: the server's approval of this caller ID on this connection for the next call. */
export function approveCall(body: CallApprovalRequest, client: ApiClient = api): Promise<CallApprovalDto> {
  return client.request('POST', '/calls/approvals', { body, timeoutMs: WRITE_TIMEOUT_MS });
}

export function startCallRecord(body: StartCallRequest, client: ApiClient = api): Promise<CallDto> {
  return client.request('POST', '/calls', { body, timeoutMs: WRITE_TIMEOUT_MS });
}

export function updateCallRecord(
  id: string,
  body: UpdateCallRequest,
  client: ApiClient = api,
): Promise<CallDto> {
  return client.request('PATCH', `/calls/${encodeURIComponent(id)}`, { body, timeoutMs: WRITE_TIMEOUT_MS });
}

export function heartbeatCallRecord(id: string, client: ApiClient = api): Promise<CallHeartbeatDto> {
  return client.request('POST', `/calls/${encodeURIComponent(id)}/heartbeat`, {
    timeoutMs: WRITE_TIMEOUT_MS,
  });
}
