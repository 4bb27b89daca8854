/**
 * How the health probe reads a server's answer to OPTIONS (SipProbeRepository over real UDP, against a
 * peer in the test that answers as it is told): compact header names and folded lines are read as any SIP
 * stack would, only the answer to this OPTIONS (its Call-ID and CSeq) counts, and a request or a
 * provisional response from the peer is not an answer.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { SipProbeRepository, type ProbeTarget } from '../../../src/server/repositories/health/sip-probe.js';

interface Peer {
  target: ProbeTarget;
  close(): void;
}

/** A UDP peer that answers each request with the datagrams `answer` builds from its Via, Call-ID and CSeq. */
async function peer(answer: (req: { via: string; callId: string; cseq: string }) => string[]): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? '';
    for (const out of answer({ via: header('Via'), callId: header('Call-ID'), cseq: header('CSeq') })) {
      socket.send(out, from.port, from.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    target: { transport: 'udp', host: '127.0.0.1', port, label: `udp:127.0.0.1:${port}` },
    close: () => socket.close(),
  };
}

let open: Peer | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

describe('SipProbeRepository.options: reading the answer', () => {
  it('reads compact header names and folded lines', async () => {
    open = await peer(({ via, callId, cseq }) => [
      `SIP/2.0 200 OK\r\nv: ${via}\r\nf: <sip:health-check@dialer.invalid>;tag=a\r\nt: <sip:x>;tag=b\r\n` +
        `i: ${callId}\r\nCSeq: ${cseq}\r\nAccept: application/sdp,\r\n application/pidf+xml\r\nl: 0\r\n\r\n`,
    ]);
    const answer = await new SipProbeRepository().options(open.target, 2000);
    expect(answer).toMatchObject({ ok: true, statusCode: 200 });
    expect(answer.detail).toMatch(/^OPTIONS answered 200 OK in \d+ ms$/);
  });

  it('waits past a provisional response, a request and an answer to another OPTIONS for its own', async () => {
    open = await peer(({ via, callId, cseq }) => {
      const reply = (status: string, id: string, seq: string) =>
        `SIP/2.0 ${status}\r\nVia: ${via}\r\nCall-ID: ${id}\r\nCSeq: ${seq}\r\nContent-Length: 0\r\n\r\n`;
      return [
        reply('100 Trying', callId, cseq),
        `OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`,
        reply('503 Service Unavailable', `other-${callId}`, cseq),
        reply('503 Service Unavailable', callId, `${Number(cseq.split(' ')[0]) + 1} OPTIONS`),
        reply('404 Not Here', callId, cseq),
      ];
    });
    const answer = await new SipProbeRepository().options(open.target, 2000);
    // Any final answer but 408/5xx means alive; the 503s were for other requests.
    expect(answer).toMatchObject({ ok: true, statusCode: 404 });
    expect(answer.detail).toMatch(/^OPTIONS answered 404 Not Here in \d+ ms$/);
  });

  it('is not answered by a message without a status line, Call-ID or CSeq', async () => {
    open = await peer(({ callId, cseq }) => [
      `SIP/2.0 OK\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n\r\n`,
      `SIP/2.0 200 OK\r\nCSeq: ${cseq}\r\n\r\n`,
      `SIP/2.0 200 OK\r\nCall-ID: ${callId}\r\n\r\n`,
    ]);
    const answer = await new SipProbeRepository().options(open.target, 300);
    expect(answer).toMatchObject({ ok: false, statusCode: null, detail: 'no answer to OPTIONS in 0.3 s' });
  });
});
