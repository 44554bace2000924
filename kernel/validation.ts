import { z } from 'zod';
import { badInput } from './errors.ts';

/**
 * Validates one input from outside with zod; failures become a BAD_USER_INPUT error whose
 * `extensions.fields` names each bad field, so a client can show it next to the right box.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root = 'input'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw badInput(
    parsed.error.issues.map((issue) => ({
      path: [root, ...issue.path].join('.'),
      message: issue.message,
    })),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else can only be "not found", and must never reach SQL as a cast error. */
export const isUuid = (value: string) => UUID.test(value);

/** Shared field rules, so every subgraph agrees on what an email or a page size is. */
export const fields = {
  email: z
    .string()
    .trim()
    .max(320, 'must be at most 320 characters')
    .pipe(z.email('must be a valid email address'))
    .transform((e) => e.toLowerCase()),
  password: z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters'),
  /** Optional free text: trimmed, empty becomes null. */
  optionalText: (max: number) =>
    z
      .string()
      .trim()
      .max(max, `must be at most ${max} characters`)
      .nullish()
      .transform((v) => (v ? v : null)),
  pageSize: (max = 100) => z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`),
};

/** Opaque cursors for keyset pagination: base64url of `<iso date>|<id>`. */
export const cursor = {
  encode: (createdAt: Date, id: string) => Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url'),
  decode(value: string): { createdAt: Date; id: string } {
    const [iso, id] = Buffer.from(value, 'base64url').toString().split('|');
    const createdAt = new Date(iso ?? '');
    if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
      throw badInput([{ path: 'after', message: 'is not a cursor from this list' }]);
    }
    return { createdAt, id };
  },
};
