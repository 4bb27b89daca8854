/**
 * fast-check arbitraries of bad requests for any route of the table, built from what the route declares:
 * its method, URL parameters and zod body schema (through zod's JSON Schema of the input). Every
 * generated request carries at least one defect that the server must refuse before any handler writes
 * anything, so a 2xx, a 5xx or a written row is always a bug:
 *   - a NUL or an unpaired surrogate in a body string or key at any depth, or NUL in the query string;
 *   - a body that is not JSON, in a content type the API does not speak, or over the size limit;
 *   - for a strict-object body: an unknown field, a field of the wrong JSON type, or no object at all.
 * Around the defect everything else varies: schema-shaped bodies (so the defect sits among plausible
 * fields), generic JSON junk, existing, unknown and malformed ids, noise in the query string.
 */
import fc from 'fast-check';
import { z } from 'zod';

export interface BadRequest {
  /** Which defect this request carries (for the report). */
  defect: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RouteUnderTest {
  method: string;
  url: string;
  bodySchema?: unknown;
  /** An id that exists for `:id`, so that requests also reach rows that could be written. */
  existingId?: string;
}

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
};

const BAD_CHARS = ['\u0000', '\ud800', '\udfff', '\ud83d', '\udcde'];
const JSON_TYPES = ['string', 'number', 'boolean', 'null', 'object', 'array'] as const;
type JsonType = (typeof JSON_TYPES)[number];
const SAMPLE_OF: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 8 }),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  null: fc.constant(null),
  object: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  array: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
};

export function jsonSchemaOf(bodySchema: unknown): JsonSchema | undefined {
  if (!(bodySchema instanceof z.ZodType)) return undefined;
  return z.toJSONSchema(bodySchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Values shaped like the schema (often valid, not always: they only set the scene for a defect). */
export function shapedValue(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => shapedValue(s, depth + 1)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const types = [schema.type ?? []].flat();
  if (types.length > 1) return fc.oneof(...types.map((type) => shapedValue({ ...schema, type }, depth)));
  switch (types[0]) {
    case 'string': {
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.pattern) {
        try {
          return fc
            .stringMatching(new RegExp(schema.pattern))
            .map((s) => s.slice(0, schema.maxLength ?? 200));
        } catch {
          // a pattern fast-check cannot generate from: plain text below
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(shapedValue(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0 && typeof schema.additionalProperties === 'object') {
        return fc.dictionary(
          fc.string({ maxLength: 10 }),
          shapedValue(schema.additionalProperties, depth + 1),
          {
            maxKeys: 3,
          },
        );
      }
      return fc.record(Object.fromEntries(keys.map((k) => [k, shapedValue(properties[k], depth + 1)])), {
        requiredKeys: schema.required ?? [],
      });
    }
    case undefined:
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The JSON types a schema accepts, or undefined when it accepts anything. */
function acceptedTypes(schema: JsonSchema | undefined): Set<JsonType> | undefined {
  if (!schema) return undefined;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const all = new Set<JsonType>();
    for (const s of alternatives) {
      const t = acceptedTypes(s);
      if (!t) return undefined;
      t.forEach((x) => all.add(x));
    }
    return all;
  }
  if (schema.enum) return new Set(schema.enum.map((v) => (v === null ? 'null' : (typeof v as JsonType))));
  const types = [schema.type ?? []].flat();
  if (types.length === 0) return undefined;
  return new Set(types.map((t) => (t === 'integer' ? 'number' : (t as JsonType))));
}

/** Puts a bad character into one string of `value` (a value or a key at any depth), chosen by `pick`. */
function withBadChar(value: unknown, pick: number, bad: string, at: number): unknown {
  type Container = Record<string | number, unknown>;
  const root: Container = { value: structuredClone(value) };
  const slots: { parent: Container; key: string | number; isKey: boolean }[] = [];
  const walk = (parent: Container, key: string | number): void => {
    const v = parent[key];
    if (typeof v === 'string') slots.push({ parent, key, isKey: false });
    else if (Array.isArray(v)) v.forEach((_, i) => walk(v as unknown as Container, i));
    else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        walk(v as Container, k);
        slots.push({ parent: v as Container, key: k, isKey: true });
      }
    }
  };
  walk(root, 'value');
  if (slots.length === 0) return { [`k${bad}`]: root.value };
  const insert = (text: string) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + bad + text.slice(i);
  };
  const slot = slots[pick % slots.length]!;
  if (slot.isKey) {
    slot.parent[insert(String(slot.key))] = slot.parent[slot.key];
    delete slot.parent[slot.key];
  } else {
    slot.parent[slot.key] = insert(slot.parent[slot.key] as string);
  }
  return root.value;
}

/** JSON.stringify keeps unpaired surrogates as \uXXXX escapes, which is how a client would send them. */
const jsonBody = (value: unknown) => JSON.stringify(value) ?? 'null';

const queryNoise = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }).map(encodeURIComponent),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  { maxKeys: 2 },
);

function idArbitrary(existingId: string | undefined): fc.Arbitrary<string> {
  return fc.oneof(
    ...(existingId ? [fc.constant(existingId), fc.constant(existingId)] : []),
    fc.uuid(),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
    fc.constantFrom('%00', 'x'.repeat(101), '..', '%2e%2e', 'null', '0', '-1', '%E0%A4%A'),
  );
}

export function badRequests(route: RouteUnderTest): fc.Arbitrary<BadRequest> {
  const schema = jsonSchemaOf(route.bodySchema);
  const shaped = schema ? shapedValue(schema) : fc.jsonValue({ maxDepth: 3 });
  const anyBody = fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 }));
  const strictObject =
    schema?.type === 'object' && schema.additionalProperties === false ? schema : undefined;
  const json = { 'content-type': 'application/json' };

  const defects: {
    weight: number;
    arbitrary: fc.Arbitrary<Omit<BadRequest, 'method' | 'path'> & { query?: string }>;
  }[] = [
    {
      weight: 24,
      arbitrary: fc
        .tuple(anyBody, fc.nat(), fc.constantFrom(...BAD_CHARS), fc.nat())
        .map(([value, pick, bad, at]) => ({
          defect: 'bad character in the body',
          headers: json,
          body: jsonBody(withBadChar(value, pick, bad, at)),
        })),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.option(anyBody), fc.string({ maxLength: 8 }), fc.boolean())
        .map(([value, key, inKey]) => ({
          defect: 'NUL in the query string',
          query: inKey
            ? `${encodeURIComponent(key)}%00=1`
            : `${encodeURIComponent(key) || 'q'}=${encodeURIComponent(key)}%00`,
          headers: value === null ? {} : json,
          body: value === null ? undefined : jsonBody(value),
        })),
    },
    {
      weight: 12,
      arbitrary: fc
        .oneof(
          fc.tuple(anyBody, fc.nat()).map(([v, cut]) => {
            const text = jsonBody(v);
            return text.slice(0, cut % Math.max(1, text.length)) + '{';
          }),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
          fc.constantFrom("{'single':'quotes'}", '{"a":1,}', 'NaN', '[1,2', '{"a":undefined}', '\u0000'),
        )
        .filter((text) => {
          try {
            JSON.parse(text);
            return false;
          } catch {
            return text.trim().length > 0;
          }
        })
        .map((body) => ({ defect: 'not JSON', headers: json, body })),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          anyBody,
          fc.constantFrom(
            'application/xml',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            'image/png',
            'text/csv',
          ),
        )
        .map(([value, type]) => ({
          defect: 'unsupported content type',
          headers: { 'content-type': type },
          body: jsonBody(value),
        })),
    },
    {
      // Rare: each is 64 kB on the wire, and one kind of answer is enough to prove.
      weight: 1,
      arbitrary: fc.nat(1_000).map((extra) => ({
        defect: 'body too large',
        headers: json,
        body: jsonBody({ notes: 'x'.repeat(64 * 1024 + extra) }),
      })),
    },
  ];

  if (strictObject) {
    const properties = strictObject.properties ?? {};
    const keys = Object.keys(properties);
    defects.push({
      weight: 12,
      arbitrary: fc
        .tuple(
          shaped,
          fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in properties)),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([value, key, extra]) => ({
          defect: 'unknown field',
          headers: json,
          body: jsonBody({ ...(value as object), [key]: extra }),
        })),
    });
    const typed = keys
      .map((key) => ({ key, accepted: acceptedTypes(properties[key]) }))
      .filter((k): k is { key: string; accepted: Set<JsonType> } => k.accepted !== undefined);
    if (typed.length) {
      defects.push({
        weight: 12,
        arbitrary: fc
          .constantFrom(...typed)
          .chain(({ key, accepted }) =>
            fc.tuple(
              shaped,
              fc.constant(key),
              fc.constantFrom(...JSON_TYPES.filter((t) => !accepted.has(t))).chain((t) => SAMPLE_OF[t]),
            ),
          )
          .map(([value, key, wrong]) => ({
            defect: 'field of the wrong type',
            headers: json,
            body: jsonBody({ ...(value as object), [key]: wrong }),
          })),
      });
    }
    defects.push({
      weight: 4,
      arbitrary: fc
        .oneof(SAMPLE_OF.array, SAMPLE_OF.string, SAMPLE_OF.number, SAMPLE_OF.boolean, SAMPLE_OF.null)
        .map((value) => ({ defect: 'body is not an object', headers: json, body: jsonBody(value) })),
    });
  }

  const hasId = route.url.includes(':id');
  return fc
    .tuple(fc.oneof(...defects), hasId ? idArbitrary(route.existingId) : fc.constant(''), queryNoise)
    .map(([defect, id, noise]) => {
      const query = [
        ...Object.entries(noise).map(([k, v]) => `${k}=${v}`),
        ...(defect.query ? [defect.query] : []),
      ].join('&');
      return {
        defect: defect.defect,
        method: route.method,
        path: route.url.replace(':id', id) + (query ? `?${query}` : ''),
        headers: defect.headers,
        body: defect.body,
      };
    });
}
