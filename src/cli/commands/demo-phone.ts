/**
 * `dialer demo-phone` (`npm run demo:phone`): starts the demo phone system (src/demo-phone) for the demo
 * data's SIP trunks and keeps it running until Ctrl-C. Installs its Debian packages first when some are
 * missing (or names exactly which, when it cannot). Thin: the demo accounts come from the demo seed, the
 * processes from src/demo-phone.
 */
import type { Command } from 'commander';
import { CommandFailed } from '../errors.js';
import type { Output } from '../output.js';

/** How often the console reports the echo number's played-back audio (only when it changed). */
const ECHO_REPORT_MS = 2000;

export function registerDemoPhoneCommand(program: Command, output: Output): void {
  program
    .command('demo-phone')
    .description(
      'Start a phone system on this machine for the demo SIP trunks (Kamailio, rtpengine, an echo number); Ctrl-C stops it',
    )
    .action(async () => {
      const [{ DEMO_PHONE_PACKAGES, ensureDebianPackages, PackagesMissingError }, demo, data, shared, lpn] =
        await Promise.all([
          import('../../demo-phone/debian-packages.js'),
          import('../../demo-phone/demo-phone.js'),
          import('../../server/seed/demo-data.js'),
          import('../../shared/demo-phone.js'),
          import('libphonenumber-js'),
        ]);
      const shown = (e164: string): string => lpn.parsePhoneNumber(e164).formatInternational();

      try {
        await ensureDebianPackages(DEMO_PHONE_PACKAGES, (line) => output.out(line));
      } catch (err) {
        if (err instanceof PackagesMissingError) throw new CommandFailed(err.message);
        throw err;
      }

      const lines = data.demoPhoneLines();
      const numbers: Record<string, string> = {};
      for (const l of lines) for (const n of l.numbers) numbers[n] = l.username;
      const wsPort = Number(new URL(shared.DEMO_PHONE_WS_SERVER).port);
      let phone: Awaited<ReturnType<typeof demo.startDemoPhone>>;
      try {
        phone = await demo.startDemoPhone({
          users: lines.map(({ username, password }) => ({ username, password })),
          numbers,
          echoNumber: data.DEMO_ECHO_NUMBER,
          domain: data.DEMO_SIP_DOMAIN,
          wsPort,
        });
      } catch (err) {
        if (err instanceof demo.DemoPhonePortInUseError) throw new CommandFailed(err.message);
        throw new CommandFailed(
          `The demo phone system could not start: ${err instanceof Error ? err.message : String(err)}`,
        );
      }

      output.out('The demo phone system is running. Ctrl-C stops it.');
      output.out(
        `  SIP over WebSocket  ${phone.wsUrl} (domain ${phone.domain}), where the demo SIP trunks connect`,
      );
      output.out(
        `  Echo number         ${shown(phone.echoNumber)}: answers at once and plays back what you say`,
      );
      for (const l of lines) {
        const who = data.DEMO_USERS[l.owner].email;
        const reach =
          l.numbers.length > 0
            ? l.numbers.map(shown).join(', ')
            : l.active
              ? 'no numbers'
              : 'no numbers (trunk not active)';
        output.out(`  ${who.padEnd(20)}${l.trunk.padEnd(22)}${reach}`);
      }
      const agent2 = lines.find((l) => l.owner === 'agent2' && l.numbers.length > 0);
      output.out('');
      output.out(
        `Try it: run \`npm start\`, log in as ${data.DEMO_USERS.agent1.email} and call ${shown(phone.echoNumber)}.` +
          (agent2
            ? ` Then log in as ${data.DEMO_USERS.agent2.email} in a second browser window (connection ${agent2.trunk}) and call ${shown(agent2.numbers[0]!)} from the first.`
            : ''),
      );

      let reported = 0;
      const report = setInterval(() => {
        void phone.echo.echoedPackets().then((n) => {
          if (n <= reported) return;
          reported = n;
          output.out(`Echo number: played back ${n} audio packets so far`);
        });
      }, ECHO_REPORT_MS);

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals): void => {
          if (stopping) {
            output.err(`Second ${signal}: exiting now.`);
            process.exit(1);
          }
          stopping = true;
          clearInterval(report);
          output.out('Stopping the demo phone system…');
          void phone.stop().then(() => {
            output.out('The demo phone system has stopped.');
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        void phone.echo.exited.then((code) => {
          if (stopping) return;
          output.err(
            `The echo number stopped answering (SIPp exited with code ${code}); stopping everything.`,
          );
          process.exitCode = 1;
          stop('SIGTERM');
        });
      });
    });
}
