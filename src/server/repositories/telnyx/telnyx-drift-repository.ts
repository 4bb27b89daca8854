/**
 * Drift between the database and Telnyx, as of the last sync: what Telnyx said is stored beside the
 * local state (phone_numbers.telnyx_connection_id, sip_trunks.telnyx_active, missing_at_telnyx_at), so
 * this is a handful of set-based queries and works while the Telnyx API is down.
 */
import type { DriftItemDto } from '../../../shared/telnyx.js';
import type { Db } from '../../db/database.js';

export class TelnyxDriftRepository {
  constructor(private readonly db: Db) {}

  async items(): Promise<DriftItemDto[]> {
    const items: DriftItemDto[] = [];

    // Numbers whose active local assignment disagrees with the connection Telnyx routes them to.
    const assigned = await this.db
      .selectFrom('trunk_phone_numbers as a')
      .innerJoin('sip_trunks as t', 't.id', 'a.trunk_id')
      .innerJoin('phone_numbers as p', 'p.id', 'a.phone_number_id')
      .leftJoin('sip_trunks as tt', 'tt.telnyx_connection_id', 'p.telnyx_connection_id')
      .select([
        't.id as trunk_id',
        't.name as trunk_name',
        't.telnyx_connection_id as trunk_connection_id',
        'p.id as phone_id',
        'p.number as number',
        'p.telnyx_number_id as telnyx_number_id',
        'p.telnyx_connection_id as number_connection_id',
        'p.missing_at_telnyx_at as number_missing_at',
        'tt.id as telnyx_trunk_id',
        'tt.name as telnyx_trunk_name',
      ])
      .where('a.is_active', '=', 1)
      .where((eb) =>
        eb.or([
          // at Telnyx, on another connection than locally
          eb.and([
            eb('p.telnyx_number_id', 'is not', null),
            eb('p.missing_at_telnyx_at', 'is', null),
            eb('p.telnyx_connection_id', 'is not', null),
            eb.or([
              eb('t.telnyx_connection_id', 'is', null),
              eb('t.telnyx_connection_id', '!=', eb.ref('p.telnyx_connection_id')),
            ]),
          ]),
          // on a Telnyx trunk locally: not routed at Telnyx, or not at Telnyx at all
          eb.and([
            eb('t.telnyx_connection_id', 'is not', null),
            eb.or([
              eb('p.telnyx_number_id', 'is', null),
              eb('p.missing_at_telnyx_at', 'is not', null),
              eb('p.telnyx_connection_id', 'is', null),
            ]),
          ]),
        ]),
      )
      .orderBy('p.number')
      .execute();
    for (const r of assigned) {
      const base = {
        trunkId: r.trunk_id,
        trunkName: r.trunk_name,
        telnyxConnectionId: r.trunk_connection_id,
        phoneNumberId: r.phone_id,
        number: r.number,
      };
      if (r.telnyx_number_id === null || r.number_missing_at !== null) {
        items.push({
          kind: 'number_only_local',
          message: `${r.number} is assigned to "${r.trunk_name}" here but Telnyx does not have it${r.number_missing_at ? ' any more' : ''}`,
          ...base,
        });
      } else if (r.number_connection_id === null) {
        items.push({
          kind: 'number_unassigned_at_telnyx',
          message: `${r.number} is assigned to "${r.trunk_name}" here but has no connection at Telnyx`,
          ...base,
        });
      } else {
        const where = r.telnyx_trunk_name
          ? `"${r.telnyx_trunk_name}"`
          : `connection ${r.number_connection_id}`;
        items.push({
          kind: 'number_on_other_connection',
          message: `${r.number} is assigned to "${r.trunk_name}" here but Telnyx routes it to ${where}`,
          ...base,
          telnyxTrunkId: r.telnyx_trunk_id,
          telnyxTrunkName: r.telnyx_trunk_name,
        });
      }
    }

    const trunks = await this.db
      .selectFrom('sip_trunks')
      .select(['id', 'name', 'status', 'telnyx_connection_id', 'telnyx_active', 'missing_at_telnyx_at'])
      .where('telnyx_connection_id', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('missing_at_telnyx_at', 'is not', null),
          eb.and([eb('telnyx_active', '=', 0), eb('status', '=', 'active')]),
        ]),
      )
      .orderBy('name')
      .execute();
    for (const t of trunks) {
      const base = {
        trunkId: t.id,
        trunkName: t.name,
        telnyxConnectionId: t.telnyx_connection_id,
        phoneNumberId: null,
        number: null,
      };
      if (t.missing_at_telnyx_at !== null) {
        items.push({
          kind: 'connection_missing_at_telnyx',
          message: `"${t.name}" is linked to Telnyx connection ${t.telnyx_connection_id}, which no longer exists at Telnyx`,
          ...base,
        });
      } else {
        items.push({
          kind: 'connection_inactive_at_telnyx',
          message: `"${t.name}" is active here but its connection is inactive at Telnyx`,
          ...base,
        });
      }
    }
    return items;
  }
}
