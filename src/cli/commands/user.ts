import type { Command } from 'commander';
import { z } from 'zod';
import { USER_ROLES } from '../../shared/domain.js';
import { DomainError, ValidationError } from '../../shared/errors.js';
import { countryCode } from '../../shared/schemas/common.js';
import type { UserDto } from '../../shared/api.js';
import { describeDatabase, withContext } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';
import type { Output } from '../output.js';

/** Environment variable read when --password is not given (keeps the password out of shell history). */
export const PASSWORD_ENV = 'DIALER_USER_PASSWORD';

const createInput = z.object({
  email: z.email('is not a valid email address').max(254),
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  role: z.enum(USER_ROLES, `must be one of ${USER_ROLES.join(', ')}`),
  password: z
    .string(`is required: pass --password or set ${PASSWORD_ENV}`)
    .min(8, 'must be at least 8 characters')
    .max(1024, 'must be at most 1024 characters'),
  country: countryCode(),
});

interface CreateOptions {
  email?: string;
  name?: string;
  role?: string;
  password?: string;
  country?: string;
}

/** The API's largest page: `user list` reads every user page by page. */
const LIST_PAGE_SIZE = 500;

export function registerUserCommands(program: Command, output: Output): void {
  const user = program.command('user').description('Manage users');
  user
    .command('list')
    .description('List every user: email, name, role, status and last login')
    .option('--json', 'print the users as JSON (an empty list is [])')
    .action(async (opts: { json?: boolean }) => {
      await withContext(async ({ services, config }) => {
        const users: UserDto[] = [];
        for (let page = 1; ; page++) {
          const answer = await services.admin.users.list({}, { page, pageSize: LIST_PAGE_SIZE });
          users.push(...answer.items);
          if (answer.items.length < LIST_PAGE_SIZE || users.length >= answer.total) break;
        }
        if (opts.json) {
          output.out(JSON.stringify(users, null, 2));
          return;
        }
        if (users.length === 0) {
          output.out(
            `There are no users in ${describeDatabase(config)}. Create one with: dialer user create`,
          );
          return;
        }
        for (const u of users) {
          const login = u.lastLoginAt ? `last login ${u.lastLoginAt}` : 'never logged in';
          output.out(`${u.email}  ${u.name}  ${u.role}  ${u.status}  ${login}  (id ${u.id})`);
        }
        output.out(`${users.length} user${users.length === 1 ? '' : 's'}.`);
      });
    });
  user
    .command('create')
    .description(`Create a user without prompting (password from --password or ${PASSWORD_ENV})`)
    .option('--email <email>', 'login email (unique)')
    .option('--name <name>', 'display name')
    .option('--role <role>', `one of ${USER_ROLES.join(', ')}`, 'agent')
    .option('--password <password>', `initial password (at least 8 characters); default: $${PASSWORD_ENV}`)
    .option('--country <code>', 'default country for dialled numbers (ISO 3166 alpha-2)')
    .action(async (opts: CreateOptions) => {
      // Validate every flag before opening the database, and report all mistakes at once.
      const parsed = createInput.safeParse({
        email: opts.email?.trim().toLowerCase(),
        name: opts.name,
        role: opts.role,
        password: opts.password ?? process.env[PASSWORD_ENV] ?? undefined,
        country: opts.country?.toUpperCase() ?? 'US',
      });
      if (!parsed.success) {
        const lines = parsed.error.issues.map((i) => {
          const flag = String(i.path[0] ?? 'input');
          const given = (opts as Record<string, unknown>)[flag];
          const message = given === undefined && flag !== 'password' ? 'is required' : i.message;
          return `  --${flag} ${message}`;
        });
        throw new UsageError(`Cannot create the user:\n${lines.join('\n')}`);
      }
      const input = parsed.data;
      await withContext(async ({ services }) => {
        try {
          // The admin service hashes, checks the country, enforces unique email and writes the audit entry.
          const user = await services.admin.users.create(
            {
              email: input.email,
              name: input.name,
              password: input.password,
              role: input.role,
              ...(opts.country ? { defaultCountry: input.country } : {}),
            },
            null,
          );
          output.out(`Created ${user.role} ${user.email} (${user.name}), id ${user.id}`);
        } catch (err) {
          if (err instanceof ValidationError) throw new UsageError(`Cannot create the user: ${err.message}`);
          if (err instanceof DomainError) throw new CommandFailed(`Cannot create the user: ${err.message}`);
          throw err;
        }
      });
    });
}
