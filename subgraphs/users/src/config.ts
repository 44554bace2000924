import { z } from 'zod';
import { env, loadConfig, subgraphEnv, type Env } from '../../../kernel/config.ts';

const schema = subgraphEnv.extend({
  PORT: env.port(4001),
  /** PKCS#8 PEM of the ES256 (P-256) key that signs access tokens. */
  JWT_PRIVATE_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key (PKCS#8)' }),
  /** Public PEMs of keys retired by a rotation, still published so their tokens verify until they expire. */
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  ACCESS_TOKEN_TTL: env.seconds(900),
  /** Lifetime of a token traded for an API key; a revoked key stops working within it. */
  API_KEY_TOKEN_TTL: env.seconds(60),
  REFRESH_TOKEN_TTL: env.seconds(30 * 24 * 3600),
  MAX_SESSIONS: z.coerce.number().int().min(1).max(100).default(5),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  REGISTRATION_CODE_TTL: env.seconds(900),
  REGISTRATION_RESEND_COOLDOWN: env.seconds(60),
  PASSWORD_RESET_TTL: env.seconds(1800),
  /** `{token}` is replaced by the reset token. */
  PASSWORD_RESET_URL: z
    .string()
    .includes('{token}', { message: 'must contain {token}' })
    .default('http://localhost:4000/reset-password?token={token}'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
  /** Higher than per email: many people can share one address (an office, a carrier NAT). */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_FAILURE_WINDOW: env.seconds(900),
  CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().default('Atrium <no-reply@atrium.local>'),
  /** Development mail outbox (one JSON line per mail), used when SMTP_URL is not set. */
  MAIL_OUTBOX: z.string().default('.data/mail/outbox.jsonl'),
  /** Secure cookies need HTTPS; on by default in production. */
  COOKIE_SECURE: env.bool.optional(),
  MFA_ISSUER: z.string().default('Atrium'),
  /** 32 random bytes, base64: seals TOTP secrets at rest. Required in production. */
  MFA_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64 (openssl rand -base64 32)')
    .optional(),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export function loadUsersConfig(source: Env = process.env) {
  const config = loadConfig(schema, source, ['REDIS_URL', 'SMTP_URL', 'MFA_ENCRYPTION_KEY', 'INTERNAL_SECRET']);
  const production = config.NODE_ENV === 'production';
  return {
    ...config,
    production,
    cookieSecure: config.COOKIE_SECURE ?? production,
    migrateOnStart: config.MIGRATE_ON_START ?? !production,
  };
}
