/**
 * The demo data set, as plain values: who the demo users are, which trunks they own and which numbers are
 * assigned to which trunk. `demo-seed.ts` writes it idempotently. Everything here is fictional: numbers
 * come from ranges reserved for drama (NANP 555-01XX, Ofcom 020 7946 0XXX) and the passwords are for the
 * demo only (README says so).
 */
import type {
  AssignmentType,
  ConnectionType,
  NumberType,
  Provider,
  TrunkSettings,
  TrunkStatus,
  UserRole,
} from '../../shared/domain.js';
import { DEMO_PHONE_WS_SERVER } from '../../shared/demo-phone.js';

export interface DemoUser {
  email: string;
  name: string;
  role: UserRole;
  password: string;
}

/** Demo logins, printed by `dialer seed` / `npm start` and used by tests. Demo only: never in production. */
export const DEMO_USERS = {
  admin: { email: 'admin@dialer.local', name: 'Ada Admin', role: 'admin', password: 'demo-admin-2024' },
  agent1: { email: 'agent1@dialer.local', name: 'Alex Agent', role: 'agent', password: 'demo-agent1-2024' },
  agent2: { email: 'agent2@dialer.local', name: 'Blair Agent', role: 'agent', password: 'demo-agent2-2024' },
} as const satisfies Record<string, DemoUser>;

export type DemoUserKey = keyof typeof DEMO_USERS;

export interface DemoNumber {
  number: string;
  country: string;
  areaCode: string;
  city: string;
  region: string;
  carrier: string;
  numberType: NumberType;
  capabilities: string[];
  monthlyRate: number;
  telnyxNumberId: string | null;
}

export interface DemoAssignment {
  number: string;
  type: AssignmentType;
  active: boolean;
  label?: string;
  /** Only written when the assignment is created (later calls own last_used_at). */
  lastUsedAt?: string;
}

export interface DemoTrunk {
  owner: DemoUserKey;
  name: string;
  provider: Provider;
  connectionType: ConnectionType;
  status: TrunkStatus;
  telnyxConnectionId: string | null;
  /** `sip` trunks point at the (configurable) demo WebSocket server; telnyx trunks use Telnyx's. */
  usesDemoSipServer: boolean;
  username: string | null;
  password: string | null;
  displayName: string;
  settings: TrunkSettings;
  region: string;
  location: string;
  channelLimit: number;
  notes: string;
  assignments: DemoAssignment[];
}

function us(number: string, city: string, region: string, extra: Partial<DemoNumber> = {}): DemoNumber {
  return {
    number,
    country: 'US',
    areaCode: number.slice(2, 5),
    city,
    region,
    carrier: 'Telnyx',
    numberType: 'local',
    capabilities: ['voice', 'sms'],
    monthlyRate: 1,
    telnyxNumberId: null,
    ...extra,
  };
}

export const DEMO_NUMBERS: DemoNumber[] = [
  us('+13125550100', 'Chicago', 'IL'),
  us('+13125550101', 'Chicago', 'IL'),
  us('+13125550102', 'Chicago', 'IL', { capabilities: ['voice'] }),
  us('+13125550103', 'Chicago', 'IL'),
  us('+12125550110', 'New York', 'NY', { telnyxNumberId: '2000000000000000110' }),
  us('+12125550111', 'New York', 'NY', { telnyxNumberId: '2000000000000000111' }),
  us('+18005550120', 'Toll free', 'US', {
    numberType: 'toll_free',
    capabilities: ['voice'],
    monthlyRate: 2,
    telnyxNumberId: '2000000000000000120',
  }),
  {
    number: '+442079460130',
    country: 'GB',
    areaCode: '20',
    city: 'London',
    region: 'England',
    carrier: 'Telnyx',
    numberType: 'local',
    capabilities: ['voice'],
    monthlyRate: 1.5,
    telnyxNumberId: '2000000000000000130',
  },
  {
    number: '+442079460131',
    country: 'GB',
    areaCode: '20',
    city: 'London',
    region: 'England',
    carrier: 'Telnyx',
    numberType: 'local',
    capabilities: ['voice'],
    monthlyRate: 1.5,
    telnyxNumberId: '2000000000000000131',
  },
  us('+14155550140', 'San Francisco', 'CA', { carrier: 'Demo SIP Co' }),
  us('+14155550141', 'San Francisco', 'CA', { carrier: 'Demo SIP Co' }),
  us('+16175550151', 'Boston', 'MA', { numberType: 'mobile', capabilities: ['voice', 'sms'] }),
  us('+14155550143', 'San Francisco', 'CA', { carrier: 'Demo SIP Co' }),
  // In the inventory but assigned to nothing: shows up in the admin's number list only.
  us('+16175550150', 'Boston', 'MA'),
];

const SIP_SETTINGS: TrunkSettings = {
  codecs: ['opus', 'PCMU', 'PCMA'],
  dtmfMode: 'rfc2833',
  rtpTimeoutSeconds: 30,
  sendPAssertedIdentity: true,
};
const TELNYX_SETTINGS: TrunkSettings = {
  codecs: ['opus', 'PCMU'],
  dtmfMode: 'rfc2833',
  rtpTimeoutSeconds: 60,
  useLoginToken: true,
};

export const DEMO_TRUNKS: DemoTrunk[] = [
  {
    owner: 'agent1',
    name: 'Chicago Office SIP',
    provider: 'sip',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: null,
    usesDemoSipServer: true,
    username: 'agent1',
    password: 'demo-sip-agent1',
    displayName: 'Alex Agent',
    settings: SIP_SETTINGS,
    region: 'us-central',
    location: 'Chicago, IL',
    channelLimit: 10,
    notes: 'Main line of the Chicago office.',
    assignments: [
      {
        number: '+13125550100',
        type: 'primary',
        active: true,
        label: 'Main',
        lastUsedAt: '2026-01-05T15:04:00.000Z',
      },
      { number: '+13125550101', type: 'secondary', active: true, label: 'Sales' },
      { number: '+13125550102', type: 'backup', active: true, label: 'Overflow' },
      // Inactive assignment: kept for history, hidden from the dialer.
      { number: '+13125550103', type: 'backup', active: false, label: 'Retired line' },
    ],
  },
  {
    owner: 'agent1',
    name: 'Telnyx US East',
    provider: 'telnyx',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: '1000000000000000001',
    usesDemoSipServer: false,
    username: 'demo-telnyx-us-east',
    password: 'demo-telnyx-pass-1',
    displayName: 'Alex Agent',
    settings: TELNYX_SETTINGS,
    region: 'us-east',
    location: 'Ashburn, VA',
    channelLimit: 25,
    notes: 'Outbound campaigns. Demo connection id: sync against a real account flags it as missing.',
    assignments: [
      { number: '+12125550110', type: 'primary', active: true, lastUsedAt: '2026-01-06T10:30:00.000Z' },
      { number: '+12125550111', type: 'secondary', active: true },
      { number: '+18005550120', type: 'backup', active: true, label: 'Support hotline' },
    ],
  },
  {
    owner: 'agent1',
    name: 'Telnyx Onboarding',
    provider: 'telnyx',
    connectionType: 'credential',
    status: 'pending',
    telnyxConnectionId: '1000000000000000002',
    usesDemoSipServer: false,
    username: 'demo-telnyx-onboarding',
    password: 'demo-telnyx-pass-2',
    displayName: 'Alex Agent',
    settings: TELNYX_SETTINGS,
    region: 'us-west',
    location: 'San Jose, CA',
    channelLimit: 5,
    notes: 'Pending: waiting for the carrier to finish provisioning. Hidden from the dialer.',
    assignments: [],
  },
  {
    owner: 'agent1',
    name: 'London Legacy SIP',
    provider: 'sip',
    connectionType: 'fqdn',
    status: 'inactive',
    telnyxConnectionId: null,
    usesDemoSipServer: true,
    username: 'agent1-london',
    password: 'demo-sip-london',
    displayName: 'Alex Agent (London)',
    settings: { ...SIP_SETTINGS, codecs: ['PCMA'], dtmfMode: 'info' },
    region: 'eu-west',
    location: 'London, UK',
    channelLimit: 4,
    notes: 'Inactive: replaced by Telnyx EU. Hidden from the dialer.',
    assignments: [{ number: '+442079460131', type: 'primary', active: true }],
  },
  {
    owner: 'agent2',
    name: 'Telnyx EU',
    provider: 'telnyx',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: '1000000000000000003',
    usesDemoSipServer: false,
    username: 'demo-telnyx-eu',
    password: 'demo-telnyx-pass-3',
    displayName: 'Blair Agent',
    settings: { ...TELNYX_SETTINGS, dtmfMode: 'info' },
    region: 'eu-west',
    location: 'Amsterdam, NL',
    channelLimit: 15,
    notes: 'European customers.',
    assignments: [{ number: '+442079460130', type: 'primary', active: true }],
  },
  {
    owner: 'agent2',
    name: 'SF Overflow SIP',
    provider: 'sip',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: null,
    usesDemoSipServer: true,
    username: 'agent2',
    password: 'demo-sip-agent2',
    displayName: 'Blair Agent',
    settings: SIP_SETTINGS,
    region: 'us-west',
    location: 'San Francisco, CA',
    channelLimit: 2,
    notes: 'Overflow trunk with no numbers yet: the dialer explains why it cannot call.',
    assignments: [],
  },
  {
    owner: 'agent2',
    name: 'SF Office SIP',
    provider: 'sip',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: null,
    usesDemoSipServer: true,
    username: 'agent2-sf',
    password: 'demo-sip-agent2-sf',
    displayName: 'Blair Agent',
    settings: SIP_SETTINGS,
    region: 'us-west',
    location: 'San Francisco, CA',
    channelLimit: 10,
    notes: 'Main line of the San Francisco office.',
    assignments: [{ number: '+14155550143', type: 'primary', active: true, label: 'Main' }],
  },
  {
    owner: 'agent2',
    name: 'Telnyx Boston (incomplete)',
    provider: 'telnyx',
    connectionType: 'credential',
    status: 'active',
    // Left incomplete on purpose: no connection id, no credentials, no primary number. The dialer falls
    // back to the default credentials (or explains why it cannot register) and the diagnostic lists all three.
    telnyxConnectionId: null,
    usesDemoSipServer: false,
    username: null,
    password: null,
    displayName: 'Blair Agent',
    settings: TELNYX_SETTINGS,
    region: 'us-east',
    location: 'Boston, MA',
    channelLimit: 3,
    notes: 'Being set up: no Telnyx connection id or credentials yet, and only a secondary number.',
    assignments: [{ number: '+16175550151', type: 'secondary', active: true }],
  },
  {
    owner: 'admin',
    name: 'Admin Test Line',
    provider: 'sip',
    connectionType: 'credential',
    status: 'active',
    telnyxConnectionId: null,
    usesDemoSipServer: true,
    username: 'admin',
    password: 'demo-sip-admin',
    displayName: 'Ada Admin',
    settings: SIP_SETTINGS,
    region: 'us-west',
    location: 'San Francisco, CA',
    channelLimit: 1,
    notes: 'A healthy, complete trunk: the diagnostic finds nothing wrong here.',
    assignments: [
      { number: '+14155550140', type: 'primary', active: true },
      { number: '+14155550141', type: 'backup', active: true },
    ],
  },
];

/**
 * The demo SIP trunks' server: the demo phone system (`npm run demo:phone`, src/demo-phone), which is
 * not running unless started; the browser-calling tests point the trunks at their own SIP lab instead.
 */
export const DEMO_SIP_WS_SERVER = DEMO_PHONE_WS_SERVER;
export const DEMO_SIP_DOMAIN = 'dialer.local';

/** The demo phone system's echo number: answers every call and plays the caller's audio back. */
export const DEMO_ECHO_NUMBER = '+13125550199';

/** One account on the demo phone system: a demo trunk's SIP user and the numbers that ring it. */
export interface DemoPhoneLine {
  username: string;
  password: string;
  trunk: string;
  owner: DemoUserKey;
  /** The trunk is active (an inactive one can register, but no number reaches it). */
  active: boolean;
  /** The trunk's active numbers (none when the trunk itself is not active). */
  numbers: string[];
}

/**
 * Who the demo phone system registers and which numbers reach them: every demo trunk on the demo SIP
 * server that has credentials, with the active numbers of the active ones. Demo passwords are demo data.
 */
export function demoPhoneLines(): DemoPhoneLine[] {
  return DEMO_TRUNKS.filter((t) => t.usesDemoSipServer && t.username && t.password).map((t) => ({
    username: t.username!,
    password: t.password!,
    trunk: t.name,
    owner: t.owner,
    active: t.status === 'active',
    numbers: t.status === 'active' ? t.assignments.filter((a) => a.active).map((a) => a.number) : [],
  }));
}
