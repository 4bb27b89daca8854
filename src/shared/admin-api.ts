/**
 * Shapes of the admin API (/api/admin/...), shared by the server and the browser's admin screens.
 * Passwords are write-only: requests may carry one, responses only say `hasCredentials`.
 */
import type {
  AssignmentType,
  ConnectionType,
  NumberStatus,
  NumberType,
  Provider,
  TrunkSettings,
  TrunkStatus,
} from './domain.js';
import type { ConnectionHealthDto } from './api.js';

export interface AdminTrunkDto {
  id: string;
  ownerId: string;
  name: string;
  provider: Provider;
  connectionType: ConnectionType;
  status: TrunkStatus;
  telnyxConnectionId: string | null;
  telnyxCredentialId: string | null;
  sipUri: string | null;
  wsServer: string | null;
  username: string | null;
  /** A password is stored (it is never returned). */
  hasPassword: boolean;
  /** User name and password are both stored: the connection can register with its own credentials. */
  hasCredentials: boolean;
  displayName: string | null;
  settings: TrunkSettings;
  region: string | null;
  location: string | null;
  channelLimit: number | null;
  /** May place calls to emergency numbers (see ConnectionDto.emergencyCalls). */
  emergencyCalls: boolean;
  notes: string | null;
  health: ConnectionHealthDto;
  missingAtTelnyxAt: string | null;
  activatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AdminPhoneNumberDto {
  id: string;
  ownerId: string | null;
  number: string;
  country: string | null;
  areaCode: string | null;
  city: string | null;
  region: string | null;
  carrier: string | null;
  numberType: NumberType;
  status: NumberStatus;
  capabilities: string[];
  telnyxNumberId: string | null;
  monthlyRate: number | null;
  purchasedAt: string | null;
  metadata: Record<string, unknown>;
  missingAtTelnyxAt: string | null;
  /** The trunk it is actively assigned to, if any. */
  activeAssignment: { trunkId: string; trunkName: string; assignmentType: AssignmentType } | null;
  createdAt: string;
  updatedAt: string;
}

export interface AdminAssignmentDto {
  id: string;
  trunkId: string;
  trunkName: string;
  ownerId: string;
  phoneNumberId: string;
  number: string;
  assignmentType: AssignmentType;
  isActive: boolean;
  assignedAt: string;
  lastUsedAt: string | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Request bodies: the zod schemas in schemas/admin.ts are their one definition. */
export type {
  CreateAssignmentRequest,
  CreatePhoneNumberRequest,
  CreateTrunkRequest,
  CreateUserRequest,
  UpdateAssignmentRequest,
  UpdatePhoneNumberRequest,
  UpdateTrunkRequest,
  UpdateUserRequest,
} from './schemas/admin.js';
