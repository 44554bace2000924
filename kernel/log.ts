import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths never written to a log line, whatever a component passes in. */
const REDACT = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'code',
  'totp',
  '*.password',
  '*.token',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

/**
 * The one root logger of a process. Components never import a logger: they take
 * `root.child({ component })` from whoever starts them.
 */
export function createLogger(opts: { service: string; level?: string }): Logger {
  return pino({
    level: opts.level ?? 'info',
    base: { service: opts.service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
