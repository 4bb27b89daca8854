/**
 * A call record's life after it opens (CallService on in-memory repositories): progress and the final
 * report (call-patch.ts's rules), the exact retry and the late report, heartbeats, the sweeper that closes
 * calls whose browser vanished, who may read which records, the filters' rules, the statistics, an
 * emergency number refused and recorded, and a retry linked to one's own earlier attempt.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallDto } from '../../../src/shared/api.js';
import { CallService, type Actor } from '../../../src/server/services/call-service.js';
import { DomainError, ErrorCode } from '../../../src/shared/errors.js';
import type { CallRow } from '../../../src/server/db/schema.js';
import {
  aNumber,
  anAssignment,
  aTrunk,
  aUser,
  emptyStore,
  failure,
  fakeRepositories,
  fakeUnitOfWork,
  type FakeStore,
} from './fake-repositories.js';

const T0 = Date.parse('2026-11-24T17:30:00.000Z');
const iso = (secondsAfterT0: number) => new Date(T0 + secondsAfterT0 * 1000).toISOString();

describe('CallService: a call record after it opens', () => {
  let store: FakeStore;
  let service: CallService;
  let clock: number;
  let ended: CallDto[];
  const agentRow = aUser({ email: 'agent@example.test' });
  const otherRow = aUser({ email: 'other@example.test' });
  const adminRow = aUser({ role: 'admin' });
  const agent: Actor = { id: agentRow.id, role: 'agent' };
  const other: Actor = { id: otherRow.id, role: 'agent' };
  const admin: Actor = { id: adminRow.id, role: 'admin' };
  let trunk: ReturnType<typeof aTrunk>;
  let number: ReturnType<typeof aNumber>;

  beforeEach(() => {
    store = emptyStore();
    clock = T0;
    ended = [];
    trunk = aTrunk(agentRow.id, { name: 'Main' });
    number = aNumber('+13125550100', { country: 'US' });
    store.users.push(agentRow, otherRow, adminRow);
    store.trunks.push(trunk, aTrunk(otherRow.id, { id: 'others-trunk', name: 'Theirs' }));
    const theirs = aNumber('+13125550199', { country: 'US' });
    store.numbers.push(number, theirs);
    store.assignments.push(
      anAssignment(trunk.id, number.id, 'primary'),
      anAssignment('others-trunk', theirs.id, 'primary'),
    );
    const repos = fakeRepositories(store);
    service = new CallService(
      repos,
      fakeUnitOfWork(store, repos),
      { now: () => new Date(clock) },
      {
        abandonTimeoutMs: 60_000,
        onCallEnded: (call) => {
          ended.push(call);
          return Promise.resolve();
        },
      },
    );
  });

  const dial = (actor: Actor = agent, remoteNumber = '+14155550123') =>
    service.start(actor, {
      connectionId: actor === agent ? trunk.id : 'others-trunk',
      remoteNumber,
      direction: 'outbound',
      callerNumber: actor === agent ? '+13125550100' : '+13125550199',
    });

  const row = (id: string): CallRow => store.calls.find((c) => c.id === id)!;

  describe('progress and the end', () => {
    it('records progress, the answer and the end, with the duration from answer to end, and tells once', async () => {
      const call = await dial();
      expect(call.outcome).toBe('in_progress');
      clock += 2_000;
      const ringing = await service.update(agent, call.id, { progressAt: iso(1) });
      expect(ringing.outcome).toBe('in_progress');
      expect(row(call.id).progress_at).toBe(iso(1));
      expect(row(call.id).duration_seconds).toBeNull();
      expect(row(call.id).last_seen_at).toBe(iso(2));
      expect(ended).toEqual([]);

      const answered = await service.update(agent, call.id, {
        outcome: 'answered',
        answeredAt: iso(3),
        endedAt: iso(65),
        sipCode: 200,
        endedBy: 'local',
        quality: { mos: 4.1, jitterMs: 3, packetLossPct: 0.5, rttMs: 40 },
      });
      expect(answered).toMatchObject({ outcome: 'answered', durationSeconds: 62 });
      expect(row(call.id)).toMatchObject({
        answered_at: iso(3),
        ended_at: iso(65),
        sip_code: 200,
        ended_by: 'local',
        mos: 4.1,
        jitter_ms: 3,
        packet_loss_pct: 0.5,
        rtt_ms: 40,
      });
      expect(ended.map((c) => [c.id, c.outcome])).toEqual([[call.id, 'answered']]);
    });

    it('ends a call "now" when the final report has no end time, with no duration if it was not answered', async () => {
      const call = await dial();
      clock += 7_000;
      const busy = await service.update(agent, call.id, { outcome: 'busy', sipCode: 486 });
      expect(row(call.id)).toMatchObject({ outcome: 'busy', ended_at: iso(7), duration_seconds: null });
      expect(busy.outcome).toBe('busy');
    });

    it('answers an exact retry of the final report with the record, without telling again', async () => {
      const call = await dial();
      const report = { outcome: 'no_answer' as const, endedAt: iso(30), sipCode: 408 };
      await service.update(agent, call.id, report);
      const again = await service.update(agent, call.id, report);
      expect(again.outcome).toBe('no_answer');
      expect(ended).toHaveLength(1);
    });

    it('refuses to change an ended call, and to reopen one, saying how it ended', async () => {
      const call = await dial();
      await service.update(agent, call.id, { outcome: 'rejected', endedAt: iso(5), sipCode: 603 });
      const changed = await failure(service.update(agent, call.id, { sipCode: 486 }));
      expect(changed.code).toBe(ErrorCode.Conflict);
      expect(changed.message).toBe('This call has already ended (rejected) and cannot be changed.');
      expect(changed.details).toEqual({ outcome: 'rejected' });
      const reopened = await failure(service.update(agent, call.id, { outcome: 'in_progress' }));
      expect(reopened.code).toBe(ErrorCode.Conflict);
      expect(reopened.message).toContain('cannot be reopened');
      expect(row(call.id).sip_code).toBe(603);
    });

    it('takes the late final report of a call the sweeper closed as abandoned', async () => {
      const call = await dial();
      clock += 120_000;
      expect(await service.sweepAbandoned()).toBe(1);
      expect(row(call.id).outcome).toBe('abandoned');
      const late = await service.update(agent, call.id, {
        outcome: 'answered',
        answeredAt: iso(2),
        endedAt: iso(50),
      });
      expect(late).toMatchObject({ outcome: 'answered', durationSeconds: 48 });
      // Not "ended" again: the sweeper's close was the end the health counters heard of.
      expect(ended).toEqual([]);
      // Anything else on an abandoned call is refused.
      const other = await failure(service.update(agent, call.id, { sipCode: 200 }));
      expect(other.message).toBe('This call has already ended (answered) and cannot be changed.');
    });

    it('refuses a progress report on an abandoned call', async () => {
      const call = await dial();
      clock += 120_000;
      await service.sweepAbandoned();
      const err = await failure(service.update(agent, call.id, { progressAt: iso(1) }));
      expect(err.message).toBe('This call has already ended (abandoned) and cannot be changed.');
    });

    it('says the call ended when it was closed between the read and the write', async () => {
      const call = await dial();
      const repos = fakeRepositories(store);
      const racing = new CallService(
        {
          calls: new Proxy(repos.calls, {
            get(target, prop, receiver) {
              if (prop !== 'update') return Reflect.get(target, prop, receiver) as unknown;
              // The sweeper wins the race: the row is abandoned before our conditional write.
              return () => {
                row(call.id).outcome = 'abandoned';
                return Promise.resolve(false);
              };
            },
          }),
        },
        fakeUnitOfWork(store, repos),
        { now: () => new Date(clock) },
        { abandonTimeoutMs: 60_000 },
      );
      const err = await failure(racing.update(agent, call.id, { progressAt: iso(1) }));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('This call has already ended (abandoned) and cannot be changed.');
      expect(err.details).toEqual({ outcome: 'abandoned' });
    });

    it('keeps the interruption count from going down', async () => {
      const call = await dial();
      await service.update(agent, call.id, { interruptions: 2 });
      await service.update(agent, call.id, { interruptions: 1 });
      expect(row(call.id).interruptions).toBe(2);
    });

    it("hides another user's call from updates and heartbeats", async () => {
      const call = await dial();
      const update = await failure(service.update(other, call.id, { progressAt: iso(1) }));
      expect(update.code).toBe(ErrorCode.NotFound);
      expect(update.message).toBe('Call was not found');
      const beat = await failure(service.heartbeat(other, call.id));
      expect(beat.code).toBe(ErrorCode.NotFound);
      expect(row(call.id).progress_at).toBeNull();
    });
  });

  describe('more rules of the record', () => {
    it('refuses a different final report on an ended call, even one that repeats a field', async () => {
      const call = await dial();
      await service.update(agent, call.id, { outcome: 'no_answer', endedAt: iso(30), sipCode: 408 });
      const err = await failure(
        service.update(agent, call.id, { outcome: 'no_answer', endedAt: iso(30), sipCode: 480 }),
      );
      expect(err.code).toBe(ErrorCode.Conflict);
      // Only an abandoned call takes a late final report; a rejected one does not.
      const rejected = await dial();
      await service.update(agent, rejected.id, { outcome: 'rejected', endedAt: iso(5) });
      const late = await failure(
        service.update(agent, rejected.id, { outcome: 'answered', answeredAt: iso(1), endedAt: iso(9) }),
      );
      expect(late.message).toBe('This call has already ended (rejected) and cannot be changed.');
    });

    it('ends a call without anyone to tell when no listener is configured', async () => {
      const repos = fakeRepositories(store);
      const quiet = new CallService(
        repos,
        fakeUnitOfWork(store, repos),
        { now: () => new Date(clock) },
        {
          abandonTimeoutMs: 60_000,
        },
      );
      const call = await quiet.start(agent, {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'outbound',
        callerNumber: '+13125550100',
      });
      expect((await quiet.update(agent, call.id, { outcome: 'busy' })).outcome).toBe('busy');
    });

    it('counts only the calls it closed itself when another instance closes one first', async () => {
      const a = await dial();
      await dial(agent, '+14155550124');
      clock += 61_000;
      const repos = fakeRepositories(store);
      const racing = new CallService(
        {
          calls: new Proxy(repos.calls, {
            get(target, prop, receiver) {
              const real = Reflect.get(target, prop, receiver) as unknown;
              if (prop !== 'update') return real;
              return (id: string, ...rest: unknown[]) => {
                if (id === a.id) {
                  row(a.id).outcome = 'abandoned'; // the other instance was first
                  return Promise.resolve(false);
                }
                return (real as (...args: unknown[]) => Promise<boolean>)(id, ...rest);
              };
            },
          }),
        },
        fakeUnitOfWork(store, repos),
        { now: () => new Date(clock) },
        { abandonTimeoutMs: 60_000 },
      );
      expect(await racing.sweepAbandoned()).toBe(1);
    });

    it('records an inbound call on a connection that is not active yet, without an INVITE time', async () => {
      const pending = aTrunk(agentRow.id, { id: 'pending', name: 'Pending', status: 'pending' });
      store.trunks.push(pending);
      const call = await service.start(agent, {
        connectionId: pending.id,
        remoteNumber: '+14155550123',
        direction: 'inbound',
      });
      expect(row(call.id)).toMatchObject({ trunk_id: 'pending', invite_at: null, phone_number_id: null });
      const outbound = await service.start(agent, {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'outbound',
        callerNumber: '+13125550100',
      });
      expect(row(outbound.id).invite_at).toBe(iso(0));
    });

    it('names what was refused: the connection, the number by id, and the details', async () => {
      const hidden = await failure(
        service.start(agent, {
          connectionId: 'others-trunk',
          remoteNumber: '+14155550123',
          direction: 'outbound',
          callerNumber: '+13125550199',
        }),
      );
      expect(hidden.message).toBe('Connection was not found');
      const byId = await failure(
        service.start(agent, {
          connectionId: trunk.id,
          remoteNumber: '+14155550123',
          direction: 'outbound',
          phoneNumberId: 'no-such-number',
        }),
      );
      expect(byId.code).toBe(ErrorCode.CallerIdNotAssigned);
      expect(byId.message).toBe(
        'This number is not assigned to connection "Main". Choose one of its assigned numbers as caller ID.',
      );
      expect(byId.details).toEqual({
        connectionId: trunk.id,
        callerNumber: null,
        phoneNumberId: 'no-such-number',
      });
      store.assignments[0]!.is_active = 0;
      const retiredById = await failure(
        service.start(agent, {
          connectionId: trunk.id,
          remoteNumber: '+14155550123',
          direction: 'outbound',
          phoneNumberId: number.id,
        }),
      );
      expect(retiredById.message).toBe(
        '+13125550100 is no longer assigned to connection "Main". Choose one of its assigned numbers as caller ID.',
      );
      expect((await failure(service.get(other, 'no-such-call'))).message).toBe('Call was not found');
    });

    it("lets a number's own emergency capability allow the call, reading only its text entries", async () => {
      number.capabilities = JSON.stringify(['voice', 7, 'emergency']);
      const allowed = await dial(agent, '911');
      expect(row(allowed.id)).toMatchObject({ outcome: 'in_progress', is_emergency: 1 });
      number.capabilities = JSON.stringify([{ emergency: true }, 'voice']);
      expect((await failure(dial(agent, '911'))).code).toBe(ErrorCode.EmergencyNotAllowed);
      number.capabilities = '{"emergency": true}';
      expect((await failure(dial(agent, '911'))).code).toBe(ErrorCode.EmergencyNotAllowed);
    });

    it('takes a range open at either end', async () => {
      await dial();
      expect((await service.list(agent, { fromIso: iso(-1) }, 1, 10)).total).toBe(1);
      expect((await service.list(agent, { toExclusiveIso: iso(-1) }, 1, 10)).total).toBe(0);
    });
  });

  describe('heartbeats and the sweeper', () => {
    it('stamps a heartbeat on a call in progress and refuses one on an ended call', async () => {
      const call = await dial();
      clock += 15_000;
      expect(await service.heartbeat(agent, call.id)).toEqual({ id: call.id, lastSeenAt: iso(15) });
      expect(row(call.id).last_seen_at).toBe(iso(15));
      await service.update(agent, call.id, { outcome: 'cancelled' });
      const err = await failure(service.heartbeat(agent, call.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('This call has already ended (cancelled).');
      expect(err.details).toEqual({ outcome: 'cancelled' });
    });

    it('closes only calls silent for longer than the timeout, ended when last heard of', async () => {
      const quiet = await dial();
      clock += 10_000;
      const lively = await dial(agent, '+14155550124');
      const answered = await dial(agent, '+14155550125');
      await service.update(agent, answered.id, { answeredAt: iso(12) });
      clock = T0 + 40_000;
      await service.heartbeat(agent, lively.id);
      await service.heartbeat(agent, answered.id);

      clock = T0 + 60_000; // exactly the timeout after `quiet` opened: not yet
      expect(await service.sweepAbandoned()).toBe(0);
      clock = T0 + 60_001;
      expect(await service.sweepAbandoned()).toBe(1);
      expect(row(quiet.id)).toMatchObject({
        outcome: 'abandoned',
        ended_at: iso(0),
        ended_by: 'system',
        duration_seconds: null,
        hangup_cause: 'The browser stopped reporting this call (no heartbeat for 60 s)',
        updated_at: new Date(T0 + 60_001).toISOString(),
      });
      expect(row(lively.id).outcome).toBe('in_progress');

      // An answered call closed by the sweeper counts its talk time up to the last heartbeat.
      expect(await service.sweepAbandoned(new Date(T0 + 100_001))).toBe(2);
      expect(row(answered.id)).toMatchObject({
        outcome: 'abandoned',
        ended_at: iso(40),
        duration_seconds: 28,
      });
      expect(await service.sweepAbandoned(new Date(T0 + 200_000))).toBe(0);
    });

    it('sweeps past a full batch of 500 in one run', async () => {
      const first = await dial();
      for (let i = 1; i < 501; i++) store.calls.push({ ...row(first.id), id: `call-${i}` });
      clock += 61_000;
      expect(await service.sweepAbandoned()).toBe(501);
      expect(store.calls.every((c) => c.outcome === 'abandoned')).toBe(true);
    });
  });

  describe('reading records', () => {
    it('shows a call to its user and to an admin, and to no one else', async () => {
      const call = await dial();
      expect((await service.get(agent, call.id)).id).toBe(call.id);
      expect((await service.get(admin, call.id)).id).toBe(call.id);
      expect((await failure(service.get(other, call.id))).code).toBe(ErrorCode.NotFound);
      expect((await failure(service.get(agent, 'no-such-call'))).code).toBe(ErrorCode.NotFound);
    });

    it("lists the user's own calls by default, everyone's or one user's for an admin", async () => {
      await dial();
      await dial(other);
      const own = await service.list(agent, {}, 1, 10);
      expect(own.items.map((c) => c.connectionId)).toEqual([trunk.id]);
      expect(own).toMatchObject({ total: 1, page: 1, pageSize: 10 });
      expect((await service.list(agent, { userId: agent.id }, 1, 10)).total).toBe(1);
      expect((await service.list(admin, { userId: 'all' }, 1, 10)).total).toBe(2);
      expect((await service.list(admin, { userId: otherRow.id }, 1, 10)).items[0]?.connectionId).toBe(
        'others-trunk',
      );
      expect((await service.list(admin, {}, 1, 10)).total).toBe(0); // an admin's own calls
      const refused = await failure(service.list(agent, { userId: 'all' }, 1, 10));
      expect(refused.code).toBe(ErrorCode.Forbidden);
      expect(refused.message).toBe("Only an administrator can see other users' calls");
      expect(() => service.checkQuery(agent, { userId: otherRow.id })).toThrow(DomainError);
    });

    it('pages, and passes every filter on', async () => {
      for (let i = 0; i < 3; i++) {
        clock = T0 + i * 60_000;
        await dial(agent, `+1415555010${i}`);
      }
      const second = await service.list(agent, {}, 2, 2);
      expect(second.items).toHaveLength(1);
      expect(second).toMatchObject({ total: 3, page: 2, pageSize: 2 });
      expect((await service.list(agent, { q: '5550101' }, 1, 10)).total).toBe(1);
      expect((await service.list(agent, { fromIso: iso(60), toExclusiveIso: iso(120) }, 1, 10)).total).toBe(
        1,
      );
      expect((await service.list(agent, { direction: 'inbound' }, 1, 10)).total).toBe(0);
      expect((await service.list(agent, { outcome: 'in_progress' }, 1, 10)).total).toBe(3);
      expect((await service.list(agent, { connectionId: 'others-trunk' }, 1, 10)).total).toBe(0);
      expect((await service.list(agent, { phoneNumberId: number.id }, 1, 10)).total).toBe(3);
      const exported: string[] = [];
      for await (const r of service.exportRows(agent, { q: '5550102' })) exported.push(r.remote_number);
      expect(exported).toEqual(['+14155550102']);
    });

    it('refuses a range whose start is not before its end', async () => {
      for (const [fromIso, toExclusiveIso] of [
        [iso(60), iso(60)],
        [iso(61), iso(60)],
      ]) {
        const err = await failure(service.list(agent, { fromIso, toExclusiveIso }, 1, 10));
        expect(err.code).toBe(ErrorCode.ValidationFailed);
        expect(err.message).toBe('"from" must be before "to".');
      }
    });

    it('sums calls, answers, talk time and quality in total, per connection and per number', async () => {
      const a = await dial();
      await service.update(agent, a.id, {
        outcome: 'answered',
        answeredAt: iso(0),
        endedAt: iso(30),
        quality: { mos: 4 },
      });
      const b = await dial();
      await service.update(agent, b.id, { outcome: 'busy' });
      const stats = await service.stats(agent, { fromIso: iso(-60), toExclusiveIso: iso(60) });
      expect(stats.from).toBe(iso(-60));
      expect(stats.to).toBe(iso(60));
      expect(stats.totals).toMatchObject({ calls: 2, answered: 2 - 1 });
      expect(stats.byConnection).toEqual([
        expect.objectContaining({ connectionId: trunk.id, connectionName: 'Main', calls: 2 }),
      ]);
      expect(stats.byNumber).toEqual([
        expect.objectContaining({ phoneNumberId: number.id, number: '+13125550100', calls: 2 }),
      ]);
    });

    it('answers empty statistics with zero figures and no open range', async () => {
      const stats = await service.stats(other, {});
      expect(stats).toMatchObject({ from: null, to: null, byConnection: [], byNumber: [] });
      expect(stats.totals).toMatchObject({ calls: 0, answered: 0 });
    });
  });

  describe('emergency numbers and retries', () => {
    it('refuses an emergency number on a connection that may not place one, and records the refusal', async () => {
      const err = await failure(dial(agent, '911'));
      expect(err.code).toBe(ErrorCode.EmergencyNotAllowed);
      expect(err.message).toBe(
        'Connection "Main" is not allowed to place emergency calls, so 911 was not dialled. Call emergency services from another phone.',
      );
      const recorded = store.calls.find((c) => c.remote_number === '911')!;
      expect(err.details).toEqual({ connectionId: trunk.id, callId: recorded.id });
      expect(recorded).toMatchObject({
        outcome: 'failed',
        is_emergency: 1,
        ended_by: 'system',
        ended_at: iso(0),
        hangup_cause: 'Emergency calls not allowed on this connection',
      });
      // The caller ID's last use is not stamped by a call that never left.
      expect(store.assignments[0]!.last_used_at).toBeNull();
    });

    it('places an emergency call on a connection the admin allowed, marked as one', async () => {
      trunk.emergency_calls = 1;
      const call = await dial(agent, '911');
      expect(row(call.id)).toMatchObject({ outcome: 'in_progress', is_emergency: 1 });
    });

    it("links a retry to one's own earlier attempt only", async () => {
      const first = await dial();
      const retry = await service.start(agent, {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'outbound',
        callerNumber: '+13125550100',
        retryOfCallId: first.id,
      });
      expect(row(retry.id).retry_of_call_id).toBe(first.id);
      const theirs = await dial(other);
      const err = await failure(
        service.start(agent, {
          connectionId: trunk.id,
          remoteNumber: '+14155550123',
          direction: 'outbound',
          callerNumber: '+13125550100',
          retryOfCallId: theirs.id,
        }),
      );
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Call to retry was not found');
    });

    it('stores what the phone says about an outbound call: Call-ID, INVITE time, and no caller verification', async () => {
      const call = await service.start(agent, {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'outbound',
        callerNumber: '+13125550100',
        sipCallId: 'abc@host',
        inviteAt: iso(-1),
        callerVerification: 'verified',
      });
      expect(row(call.id)).toMatchObject({
        sip_call_id: 'abc@host',
        invite_at: iso(-1),
        caller_verification: null,
        user_id: agent.id,
        trunk_id: trunk.id,
        phone_number_id: number.id,
        caller_number: '+13125550100',
        started_at: iso(0),
        last_seen_at: iso(0),
      });
      const inbound = await service.start(agent, {
        connectionId: trunk.id,
        remoteNumber: '+14155550123',
        direction: 'inbound',
        callerVerification: 'verified',
      });
      expect(row(inbound.id)).toMatchObject({ invite_at: null, caller_verification: 'verified' });
    });
  });
});
