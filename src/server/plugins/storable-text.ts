/**
 * Refuses text the databases cannot store as sent, for every route, before its schema runs: a NUL
 * character (U+0000: PostgreSQL rejects it in text and JSON, SQLite keeps it and C-string tools cut at
 * it) and an unpaired UTF-16 surrogate (from a JSON escape such as "\ud800": it has no UTF-8 form, so
 * both drivers would silently store U+FFFD instead). Checked anywhere in the body (values and keys, at
 * any depth), the path parameters and the query string; the answer is a 400 naming where it was.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../shared/errors.js';
import { quoteInput } from './error-handler.js';

const UNSTORABLE =
  // eslint-disable-next-line no-control-regex -- the NUL character is what this finds
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path (e.g. `body.settings.codecs.0`) of the first unstorable string in `value`, or undefined. */
export function findUnstorableText(value: unknown, root: string): string | undefined {
  // Iterative: a 64 kB body can nest thousands of levels deep.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [current, where] = stack.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return where;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${where}.${i}`]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (UNSTORABLE.test(key)) return `${where} (a field name)`;
        stack.push([child, `${where}.${key}`]);
      }
    }
  }
  return undefined;
}

export function registerStorableTextCheck(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const where =
      findUnstorableText(request.params, 'params') ??
      findUnstorableText(request.query, 'query') ??
      findUnstorableText(request.body, 'body');
    if (where === undefined) return done();
    const field = quoteInput(where, 100);
    const message = 'contains a character that cannot be stored (a NUL byte or an unpaired surrogate)';
    done(new ValidationError(`${field}: ${message}`, [{ field, message }]));
  });
}
