/**
 * Refuses text the databases cannot store as sent, for every route, before its schema runs: a NUL
 * character (U+0000: PostgreSQL rejects it in text and JSON, SQLite keeps it and C-string tools cut at
 * it) and an unpaired UTF-16 surrogate (from a JSON escape such as "\ud800": it has no UTF-8 form, so
 * both drivers would silently store U+FFFD instead). Checked anywhere in the body (values and keys, at
 * any depth), the path parameters and the query string; the answer is a 400 naming where it was.
 * A body of raw bytes is left to its route (the CSV import reports a NUL with its line).
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../shared/errors.js';
import { quoteInput } from './error-handler.js';

const UNSTORABLE =
  // eslint-disable-next-line no-control-regex -- the NUL character is what this finds
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  /** Where, e.g. `body.settings.codecs.0` or `body.metadata (a field name)`. */
  where: string;
  what: 'nul' | 'surrogate';
}

function found(text: string, where: string): UnstorableText {
  return { where, what: text.includes('\u0000') ? 'nul' : 'surrogate' };
}

/** The first string (value or key) in `value` that cannot be stored, or undefined. */
export function findUnstorableText(value: unknown, root: string): UnstorableText | undefined {
  // Iterative: a 64 kB body can nest thousands of levels deep.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [current, where] = stack.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return found(current, where);
    } else if (ArrayBuffer.isView(current)) {
      // Raw bytes (a CSV file): the route that takes them reads and checks them itself, naming the line.
      // Walked as an object, each byte was an entry: a third of a second for a 400 kB file.
      continue;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${where}.${i}`]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (UNSTORABLE.test(key)) return found(key, `${where} (a field name)`);
        stack.push([child, `${where}.${key}`]);
      }
    }
  }
  return undefined;
}

export function registerStorableTextCheck(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const unstorable =
      findUnstorableText(request.params, 'params') ??
      findUnstorableText(request.query, 'query') ??
      findUnstorableText(request.body, 'body');
    if (unstorable === undefined) return done();
    const field = quoteInput(unstorable.where, 100);
    const message =
      unstorable.what === 'nul'
        ? 'contains a NUL control character, which cannot be stored'
        : 'contains an unpaired surrogate (half of a character), which cannot be stored';
    done(new ValidationError(`${field}: ${message}`, [{ field, message }]));
  });
}
