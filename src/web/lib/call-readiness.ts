/**
 * Why the Call button cannot place a call yet, in plain words, one entry per problem and tied to the
 * control that can fix it. Pure, so every message is unit-tested without a browser.
 */
import type { AssignedNumberDto, ConnectionDto } from '../../shared/api.js';
import type { Destination } from './phone-number.js';

export type BlockerField = 'connection' | 'callerId' | 'destination' | 'phone';

export interface Blocker {
  field: BlockerField;
  message: string;
}

export interface ReadinessInput {
  /** The connection list has finished loading (successfully or not). */
  connectionsSettled: boolean;
  connectionCount: number;
  connection: ConnectionDto | null;
  callerId: AssignedNumberDto | null;
  destination: Destination;
  /** null = the phone is registered and can call; otherwise why not. */
  phoneProblem: string | null;
}

export function callBlockers(input: ReadinessInput): Blocker[] {
  const blockers: Blocker[] = [];
  const { connection } = input;
  if (!connection) {
    let message = 'No connection selected: choose the connection to call from.';
    if (!input.connectionsSettled) message = 'Connections are still loading.';
    else if (input.connectionCount === 0) {
      message = 'No connection selected: you have no active connections. Ask an admin to set one up for you.';
    }
    blockers.push({ field: 'connection', message });
  } else if (connection.numbers.length === 0) {
    blockers.push({
      field: 'callerId',
      message: `“${connection.name}” has no phone numbers assigned, so there is no caller ID to call from. Choose another connection or ask an admin to assign a number.`,
    });
  } else if (!input.callerId) {
    blockers.push({ field: 'callerId', message: 'No caller ID chosen: choose the number to call from.' });
  }

  if (input.destination.kind !== 'valid') {
    blockers.push({ field: 'destination', message: input.destination.message });
  }
  if (input.phoneProblem !== null) {
    blockers.push({ field: 'phone', message: input.phoneProblem });
  }
  return blockers;
}
