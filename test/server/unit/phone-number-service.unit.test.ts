/**
 * Admin management of phone numbers (PhoneNumberService) on the in-memory repositories: numbers are
 * stored in E.164 whatever way they were typed (read in the configured default country), a duplicate is a
 * 409 naming it, what a create stores and its defaults, updates that change nothing write nothing, a new
 * number brings its own area code and country, and a number the call history used is not deleted.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PhoneNumberService } from '../../../src/server/services/phone-number-service.js';
import { ErrorCode } from '../../../src/shared/errors.js';
import { adminFakes, emptyAdminStore, type AdminStore } from './fake-admin-repositories.js';
import { aNumber, anAssignment, aTrunk, aUser, failure } from './fake-repositories.js';

const NOW = '2026-12-02T06:00:00.000Z';
const OLD = '2026-01-01T00:00:00.000Z';

describe('PhoneNumberService', () => {
  let store: AdminStore;
  let service: PhoneNumberService;
  const admin = aUser({ id: 'admin-1', role: 'admin' });
  const agent = aUser({ id: 'agent-1' });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
    store = emptyAdminStore();
    store.users.push({ ...admin }, { ...agent });
    const { repos, transaction } = adminFakes(store);
    service = new PhoneNumberService(repos, transaction, 'GB');
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('normalize', () => {
    it('reads a national number in the default country and an international one as typed', () => {
      expect(service.normalize('020 7946 0018')).toMatchObject({
        e164: '+442079460018',
        country: 'GB',
        areaCode: '20',
      });
      expect(service.normalize('+1 (312) 555-0100')).toMatchObject({ e164: '+13125550100', country: 'US' });
    });

    it('answers 400 naming the field (number unless told otherwise)', () => {
      let err = catchSync(() => service.normalize('12'));
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.message).toMatch(/^number: ./);
      expect(err.details).toEqual({ field: 'number' });
      err = catchSync(() => service.normalize('abc', 'callerId'));
      expect(err.message).toMatch(/^callerId: ./);
      expect(err.details).toEqual({ field: 'callerId' });
    });
  });

  describe('create', () => {
    it('stores every field given, in E.164, and audits the number', async () => {
      const dto = await service.create(
        {
          number: '020 7946 0018',
          ownerId: agent.id,
          country: 'IE',
          city: 'London',
          region: 'ENG',
          carrier: 'BT',
          numberType: 'toll_free',
          status: 'pending',
          capabilities: ['voice', 'sms'],
          telnyxNumberId: 'tn-1',
          monthlyRate: 1.5,
          purchasedAt: '2026-09-01T00:00:00.000Z',
          metadata: { team: 'ops' },
        },
        admin.id,
        { id: 'number-new' },
      );
      expect(store.numbers).toHaveLength(1);
      expect(store.numbers[0]).toMatchObject({
        id: 'number-new',
        owner_id: agent.id,
        number: '+442079460018',
        country: 'IE',
        area_code: '20',
        city: 'London',
        region: 'ENG',
        carrier: 'BT',
        number_type: 'toll_free',
        status: 'pending',
        capabilities: '["voice","sms"]',
        telnyx_number_id: 'tn-1',
        monthly_rate: 1.5,
        purchased_at: '2026-09-01T00:00:00.000Z',
        metadata: '{"team":"ops"}',
        created_at: NOW,
        updated_at: NOW,
      });
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'phone_number.create',
          entityType: 'phone_number',
          entityId: 'number-new',
          details: { number: '+442079460018' },
        },
      ]);
      expect(dto).toMatchObject({
        id: 'number-new',
        number: '+442079460018',
        capabilities: ['voice', 'sms'],
        metadata: { team: 'ops' },
        activeAssignment: null,
      });
    });

    it('fills the defaults from the parsed number: its country and type, active, voice, no owner', async () => {
      await service.create({ number: '+1 312 555 0100' }, null);
      const row = store.numbers[0]!;
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const parsed = service.normalize('+1 312 555 0100');
      expect(row).toMatchObject({
        owner_id: null,
        number: '+13125550100',
        country: 'US',
        area_code: parsed.areaCode,
        city: null,
        region: null,
        carrier: null,
        number_type: parsed.numberType,
        status: 'active',
        capabilities: '["voice"]',
        telnyx_number_id: null,
        monthly_rate: null,
        purchased_at: null,
        metadata: '{}',
      });
      expect(store.audit[0]).toMatchObject({ actorId: null, entityId: row.id });
    });

    it('refuses a number that exists however it is typed, naming it, and stores nothing', async () => {
      store.numbers.push(aNumber('+442079460018'));
      const err = await failure(service.create({ number: '020 7946 0018' }, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('+442079460018 already exists.');
      expect(store.numbers).toHaveLength(1);
      expect(store.audit).toEqual([]);
    });

    it('refuses an unknown owner and a number that is not one', async () => {
      let err = await failure(service.create({ number: '020 7946 0018', ownerId: 'ghost' }, admin.id));
      expect(err.details).toEqual({ field: 'ownerId' });
      err = await failure(service.create({ number: '12' }, admin.id));
      expect(err.details).toEqual({ field: 'number' });
      expect(store.numbers).toEqual([]);
      expect(store.audit).toEqual([]);
    });
  });

  describe('update', () => {
    let number: ReturnType<typeof aNumber>;
    beforeEach(() => {
      number = aNumber('+442079460018', {
        id: 'number-1',
        country: 'GB',
        area_code: '20',
        owner_id: agent.id,
        updated_at: OLD,
      });
      store.numbers.push(number);
    });

    it('answers 404 for an unknown number', async () => {
      const err = await failure(service.update('nope', { city: 'X' }, admin.id));
      expect(err.code).toBe(ErrorCode.NotFound);
      expect(err.message).toBe('Phone number was not found');
    });

    it('copies each plain field to its column and names it in the audit', async () => {
      const dto = await service.update(
        number.id,
        {
          city: 'Leeds',
          region: 'YKS',
          carrier: 'Telnyx',
          numberType: 'mobile',
          status: 'inactive',
          telnyxNumberId: 'tn-2',
          monthlyRate: 2,
          purchasedAt: null,
          capabilities: ['sms'],
          metadata: { a: 1 },
        },
        admin.id,
      );
      expect(store.numbers[0]).toMatchObject({
        number: '+442079460018',
        city: 'Leeds',
        region: 'YKS',
        carrier: 'Telnyx',
        number_type: 'mobile',
        status: 'inactive',
        telnyx_number_id: 'tn-2',
        monthly_rate: 2,
        purchased_at: null,
        capabilities: '["sms"]',
        metadata: '{"a":1}',
        owner_id: agent.id,
        country: 'GB',
        updated_at: NOW,
      });
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'phone_number.update',
          entityType: 'phone_number',
          entityId: number.id,
          details: {
            number: '+442079460018',
            changed: [
              'city',
              'region',
              'carrier',
              'numberType',
              'status',
              'telnyxNumberId',
              'monthlyRate',
              'purchasedAt',
              'capabilities',
              'metadata',
            ],
          },
        },
      ]);
      expect(dto).toMatchObject({ city: 'Leeds', capabilities: ['sms'], metadata: { a: 1 } });
    });

    it('takes a new number with its area code and country, and names the new number in the audit', async () => {
      await service.update(number.id, { number: '+1 312 555 0100' }, admin.id);
      expect(store.numbers[0]).toMatchObject({
        number: '+13125550100',
        country: 'US',
        area_code: service.normalize('+13125550100').areaCode,
        updated_at: NOW,
      });
      expect(store.audit[0]!.details).toEqual({ number: '+13125550100', changed: ['number'] });
    });

    it('keeps a country sent with the new number', async () => {
      await service.update(number.id, { number: '+1 312 555 0100', country: 'CA' }, admin.id);
      expect(store.numbers[0]).toMatchObject({ number: '+13125550100', country: 'CA' });
      expect(store.audit[0]!.details).toEqual({ number: '+13125550100', changed: ['number', 'country'] });
    });

    it('changes nothing when the number sent is the same number typed another way', async () => {
      const dto = await service.update(number.id, { number: '020 7946 0018' }, admin.id);
      expect(store.numbers[0]).toStrictEqual(number);
      expect(store.audit).toEqual([]);
      expect(dto.number).toBe('+442079460018');
    });

    it('refuses a number another row holds, naming it', async () => {
      store.numbers.push(aNumber('+13125550100', { id: 'number-2' }));
      const err = await failure(service.update(number.id, { number: '+1 (312) 555-0100' }, admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe('+13125550100 already exists.');
      expect(store.numbers[0]).toStrictEqual(number);
    });

    it('refuses a number that does not parse before reading anything', async () => {
      const err = await failure(service.update('nope', { number: 'abc' }, admin.id));
      expect(err.details).toEqual({ field: 'number' });
    });

    it('sets the country alone, including to null', async () => {
      await service.update(number.id, { country: null }, admin.id);
      expect(store.numbers[0]!.country).toBeNull();
      expect(store.audit[0]!.details).toEqual({ number: '+442079460018', changed: ['country'] });
    });

    it('gives the number to an existing owner, releases it with null, and refuses an unknown owner', async () => {
      await service.update(number.id, { ownerId: admin.id }, admin.id);
      expect(store.numbers[0]!.owner_id).toBe(admin.id);
      expect(store.audit[0]!.details).toEqual({ number: '+442079460018', changed: ['ownerId'] });
      await service.update(number.id, { ownerId: null }, admin.id);
      expect(store.numbers[0]!.owner_id).toBeNull();
      const err = await failure(service.update(number.id, { ownerId: 'ghost' }, admin.id));
      expect(err.details).toEqual({ field: 'ownerId' });
      expect(store.numbers[0]!.owner_id).toBeNull();
    });

    it('writes nothing and audits nothing for an empty update', async () => {
      await service.update(number.id, {}, admin.id);
      expect(store.numbers[0]).toStrictEqual(number);
      expect(store.audit).toEqual([]);
    });
  });

  describe('delete', () => {
    it('deletes the number and its assignments, auditing which trunk had it', async () => {
      const trunk = aTrunk(agent.id, { id: 'trunk-1' });
      store.trunks.push(trunk);
      store.numbers.push(aNumber('+442079460018', { id: 'number-1' }));
      store.assignments.push(anAssignment(trunk.id, 'number-1', 'primary'));
      await service.delete('number-1', admin.id);
      expect(store.numbers).toEqual([]);
      expect(store.assignments).toEqual([]);
      expect(store.audit).toStrictEqual([
        {
          actorId: admin.id,
          action: 'phone_number.delete',
          entityType: 'phone_number',
          entityId: 'number-1',
          details: { number: '+442079460018', activeTrunkId: 'trunk-1' },
        },
      ]);
    });

    it('refuses a number the call history used, saying what to do instead', async () => {
      store.numbers.push(aNumber('+442079460018', { id: 'number-1' }));
      store.calls.push({ phone_number_id: 'number-1' } as never);
      const err = await failure(service.delete('number-1', admin.id));
      expect(err.code).toBe(ErrorCode.Conflict);
      expect(err.message).toBe(
        '+442079460018 has 1 call in the call history, which must keep it, so it cannot be deleted; set its status to released or inactive instead.',
      );
      expect(store.numbers).toHaveLength(1);
      expect(store.audit).toEqual([]);
    });

    it('answers 404 for an unknown number', async () => {
      expect((await failure(service.delete('nope', admin.id))).message).toBe('Phone number was not found');
    });
  });

  it('gets one number as the admin DTO, or a 404 naming a phone number', async () => {
    store.numbers.push(aNumber('+442079460018', { id: 'number-1' }));
    expect(await service.get('number-1')).toMatchObject({ id: 'number-1', number: '+442079460018' });
    expect((await failure(service.get('nope'))).message).toBe('Phone number was not found');
  });
});

function catchSync(fn: () => unknown): { code: string; message: string; details: unknown } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string; details: unknown };
  }
  throw new Error('expected a throw');
}
