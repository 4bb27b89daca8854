/**
 * `dialer test-sip-trunk --test-db-connections [--user EMAIL] [--json]`: diagnoses users' connections
 * straight from the database and the services (no HTTP session, no running server). For each user it
 * prints every trunk whatever its status, with numbers, assignment types and credential presence, the
 * problems found, and then the exact JSON GET /api/connections returns to that user. Each connection the
 * dialer shows is also probed as an admin's live check does (OPTIONS to its servers, a REGISTER with its
 * credentials; the Telnyx API's registration status), so "ok" means a call can be set up on it; the
 * result is recorded as a health observation. --no-probe leaves the network alone.
 * Exit codes: 0 nothing wrong, 1 problems found, 2 usage error (e.g. unknown user).
 */
import type { Command } from 'commander';
import pMap from 'p-map';
import type { Services } from '../../server/container.js';
import type { UserRow } from '../../server/db/schema.js';
import {
  diagnoseUser,
  type AssignmentFact,
  type ConnectionDiagnosis,
  type TrunkFacts,
  type UserDiagnosis,
} from '../diagnostics/connection-diagnosis.js';
import { describeDatabase, withContext } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { Output } from '../output.js';

interface Options {
  testDbConnections?: boolean;
  /** false with --no-probe. */
  probe?: boolean;
  user?: string;
  json?: boolean;
}

/** No user owns more than this many trunks or assignments in any deployment we know of; read them all. */
const ALL = { limit: 1_000_000, offset: 0 };

async function gatherTrunkFacts(services: Services, user: UserRow): Promise<TrunkFacts[]> {
  const { trunks: trunkRepo, assignments: assignmentRepo, phoneNumbers } = services.repos;
  // The API lists only active trunks; the diagnostic needs every trunk and every assignment.
  const [{ rows: trunks }, { rows: assignments }] = await Promise.all([
    trunkRepo.list({ ownerId: user.id }, ALL),
    assignmentRepo.list({ ownerId: user.id }, ALL),
  ]);
  const numberStatus = await phoneNumbers.statusesByIds(assignments.map((a) => a.phone_number_id));
  const facts: TrunkFacts[] = [];
  for (const trunk of trunks) {
    let passwordDecrypts = true;
    if (Number(trunk.has_password) === 1) {
      const secret = await trunkRepo.findSecret(trunk.id);
      try {
        if (secret?.sip_password_enc) services.cipher.decrypt(secret.sip_password_enc);
      } catch {
        passwordDecrypts = false;
      }
    }
    facts.push({
      trunk,
      passwordDecrypts,
      assignments: assignments
        .filter((a) => a.trunk_id === trunk.id)
        .map((a): AssignmentFact => ({
          trunkId: a.trunk_id,
          number: a.number,
          assignmentType: a.assignment_type,
          isActive: Number(a.is_active) === 1,
          numberStatus: numberStatus.get(a.phone_number_id) ?? 'unknown',
        })),
    });
  }
  return facts;
}

/** Probes every connection the dialer shows; one that cannot call is a problem. */
async function probeConnections(services: Services, diagnosis: UserDiagnosis): Promise<void> {
  const shown = diagnosis.connections.filter((c) => c.shownInDialer);
  await pMap(
    shown,
    async (c) => {
      const r = await services.health.liveCheck(c.id);
      const registered = r.registration.attempted ? r.registration.ok : null;
      c.probe = { reachable: r.reachable, registered, summary: r.summary };
      c.health = r.health;
      // Nothing could be measured (no address to probe, the Telnyx API not configured): said, not judged.
      if (!r.reachable && r.health.status === 'unknown' && registered === null)
        c.warnings.push(`not probed: ${r.summary}`);
      else if (!r.reachable || registered === false) c.problems.push(`cannot call: ${r.summary}`);
    },
    { concurrency: services.config.health.concurrency },
  );
  diagnosis.problemCount =
    diagnosis.problems.length + diagnosis.connections.reduce((n, c) => n + c.problems.length, 0);
}

function ago(iso: string | null): string {
  if (!iso) return 'never checked';
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'checked just now';
  if (minutes < 120) return `checked ${minutes} min ago`;
  return `checked ${iso}`;
}

function printConnection(output: Output, c: ConnectionDiagnosis): void {
  const verdict = c.problems.length
    ? `${c.problems.length} problem${c.problems.length > 1 ? 's' : ''}`
    : 'ok';
  output.out(`  - ${c.name} [${c.status}${c.shownInDialer ? '' : ', hidden from the dialer'}]: ${verdict}`);
  output.out(`      id ${c.id}`);
  const health = `${c.health.status}${c.health.latencyMs !== null ? ` ${c.health.latencyMs} ms` : ''}, ${ago(c.health.checkedAt)}`;
  output.out(`      type ${c.provider}/${c.connectionType}; health ${health}`);
  const where =
    c.provider === 'telnyx'
      ? `Telnyx connection ${c.telnyxConnectionId ?? '(none)'}, SIP URI ${c.sipUri ?? '(none)'}`
      : `WebSocket ${c.wsServer ?? '(none)'}, SIP URI ${c.sipUri ?? '(none)'}`;
  output.out(`      ${where}`);
  output.out(
    `      region ${c.region ?? '-'} (${c.location ?? '-'}), channel limit ${c.channelLimit ?? '-'}`,
  );
  const creds = {
    present: `present (user ${c.username ?? '?'})`,
    fallback: 'missing: the default credentials would be used',
    missing: 'missing',
  }[c.credentials];
  output.out(`      credentials: ${creds}`);
  if (c.probe) output.out(`      probe: ${c.probe.summary}`);
  if (c.numbers.length === 0) output.out('      numbers: none');
  else {
    output.out(`      numbers (${c.numbers.filter((n) => n.active).length} active):`);
    for (const n of c.numbers) {
      const flags = [
        n.active ? null : 'inactive assignment, hidden',
        n.numberStatus !== 'active' ? `number ${n.numberStatus}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      output.out(`        ${n.number}  ${n.assignmentType}${flags ? `  (${flags})` : ''}`);
    }
  }
  for (const p of c.problems) output.out(`      PROBLEM: ${p}`);
  for (const w of c.warnings) output.out(`      note: ${w}`);
}

function printUser(output: Output, d: UserDiagnosis): void {
  const active = d.connections.filter((c) => c.shownInDialer).length;
  output.out(
    `User ${d.user.email} (${d.user.name}, ${d.user.role}, ${d.user.status}): ${d.connections.length} connection${d.connections.length === 1 ? '' : 's'}, ${active} active`,
  );
  for (const p of d.problems) output.out(`  PROBLEM: ${p}`);
  for (const c of d.connections) printConnection(output, c);
  output.out(
    d.problemCount
      ? `  => ${d.problemCount} problem${d.problemCount > 1 ? 's' : ''} for ${d.user.email}`
      : `  => no problems for ${d.user.email}`,
  );
  output.out(`  GET /api/connections as ${d.user.email} returns:`);
  output.out(JSON.stringify(d.api, null, 2));
  output.out('');
}

export function registerTestSipTrunkCommand(program: Command, output: Output): void {
  program
    .command('test-sip-trunk')
    .description("Diagnose users' SIP connections, numbers, assignments and credentials (no server needed)")
    .option('--test-db-connections', 'check the connections stored in the database (the only test for now)')
    .option('--user <email>', 'only this user (default: every user)')
    .option('--json', 'print one JSON document instead of text')
    .option('--no-probe', 'do not probe the connections over the network (database checks only)')
    .action(async (opts: Options) => {
      if (!opts.testDbConnections) {
        throw new UsageError(
          'Say what to test: dialer test-sip-trunk --test-db-connections [--user EMAIL] [--json]',
        );
      }
      await withContext(async ({ services, config }) => {
        let users: UserRow[];
        if (opts.user) {
          const user = await services.repos.users.findByEmail(opts.user.trim());
          if (!user) {
            throw new UsageError(
              `No user with the email ${opts.user.trim()} in ${describeDatabase(config)}. List users with the admin API, or create one with: dialer user create`,
            );
          }
          users = [user];
        } else {
          users = await services.repos.users.listAll();
          if (users.length === 0) {
            throw new UsageError(
              `There are no users in ${describeDatabase(config)}. Run: dialer seed (demo data) or dialer user create`,
            );
          }
        }

        const results: UserDiagnosis[] = [];
        for (const user of users) {
          const [facts, api] = await Promise.all([
            gatherTrunkFacts(services, user),
            services.connections.listForUser(user),
          ]);
          const diagnosis = diagnoseUser(user, facts, api, config);
          if (opts.probe !== false) await probeConnections(services, diagnosis);
          results.push(diagnosis);
        }
        const problemCount = results.reduce((n, r) => n + r.problemCount, 0);

        if (opts.json) {
          output.out(JSON.stringify({ ok: problemCount === 0, problemCount, users: results }, null, 2));
        } else {
          output.out(`Connections diagnostic on ${describeDatabase(config)}`);
          output.out('');
          for (const r of results) printUser(output, r);
          const bad = results.filter((r) => r.problemCount > 0).length;
          output.out(
            problemCount
              ? `Found ${problemCount} problem${problemCount > 1 ? 's' : ''} for ${bad} of ${results.length} user${results.length > 1 ? 's' : ''}.`
              : `No problems found for ${results.length} user${results.length > 1 ? 's' : ''}.`,
          );
        }
        if (problemCount > 0) process.exitCode = ExitCode.Problem;
      });
    });
}
