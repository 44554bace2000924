import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * Every `extensions.code` Atrium answers with, and what it means to a client.
 * docs/errors.md is generated from this list (`npm run generate`).
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 'No valid credentials: sign in, or refresh an expired access token.',
  FORBIDDEN: 'Signed in, but this account may not do this (a role is missing or the account is disabled).',
  NOT_FOUND: 'No such object, or it belongs to someone else (both answer the same, so ids do not leak).',
  BAD_USER_INPUT: 'An argument failed validation; `extensions.fields` names each bad field and why.',
  CONFLICT: 'The change clashes with existing state (for example an email that is already registered).',
  LIMIT_EXCEEDED: 'A bound on what one caller may hold was reached (sockets, subscriptions, buffered events); `extensions.limit` and `extensions.max` name it.',
  CURSOR_EXPIRED: 'The events after this `after` cursor are no longer kept (older than the retained window, `extensions.retainedMs`, or the store was reset): refetch the current state and subscribe again without it.',
  RATE_LIMITED: 'Too many attempts; `extensions.retryAfter` says how many seconds to wait.',
  MFA_REQUIRED: 'The account has two-factor authentication: repeat the sign-in with a valid `totp` code.',
  PERSISTED_QUERY_NOT_FOUND: 'The persisted-query hash is unknown: send the full query once with it.',
  PERSISTED_QUERY_NOT_IN_LIST: 'This client may only run operations from the persisted-query manifest.',
  SERVICE_UNAVAILABLE: 'A service Atrium depends on is down or overloaded; retry after `extensions.retryAfter` seconds. Not a sign-in problem: keep your tokens.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side; the message is generic and carries `extensions.correlationId`, which finds the details in the logs.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A GraphQL error whose code is one of {@link ERROR_CODES}; domain code throws these. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const unauthenticated = (message = 'Authentication required') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const rateLimited = (retryAfterSeconds: number, message = 'Too many attempts, try again later') =>
  new AppError('RATE_LIMITED', message, { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) });

/** One field that failed validation, as reported in `extensions.fields`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** A dependency (the shared store, a subgraph) is down: 503, never 401, so clients keep their session. */
export const serviceUnavailable = (message = 'Service temporarily unavailable; try again shortly', retryAfterSeconds = 1) =>
  new AppError('SERVICE_UNAVAILABLE', message, { retryAfter: retryAfterSeconds, http: { status: 503 } });

export const badInput = (fields: FieldProblem[], message?: string) =>
  new AppError('BAD_USER_INPUT', message ?? `Invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
    fields,
  });

const KNOWN_CODES = new Set(Object.keys(ERROR_CODES));

/** Maps codes graphql-js and Apollo produce themselves onto our registry. */
const FOREIGN_CODES: Record<string, ErrorCode> = {
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
};

/**
 * The one boundary where errors become what clients see: known codes pass through, anything
 * else becomes a generic INTERNAL_SERVER_ERROR with no stack trace, SQL or message leak.
 * `exposeDetails` (development only) keeps the original message for the developer.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  /** `onInternal` logs the detail once, with the correlation id the client is given. */
  opts: { exposeDetails: boolean; onInternal?: (formatted: GraphQLFormattedError, correlationId: string) => void },
): GraphQLFormattedError {
  const raw = formatted.extensions?.code;
  const code = typeof raw === 'string' ? (FOREIGN_CODES[raw] ?? raw) : undefined;
  const { stacktrace: _stack, exception: _exception, ...rest } = formatted.extensions ?? {};
  if (code && KNOWN_CODES.has(code)) {
    return { ...formatted, extensions: { ...rest, code } };
  }
  // A subgraph's masked fault already carries its id: keep it, so one id finds the subgraph's log line.
  const correlationId = typeof rest.correlationId === 'string' && /^[0-9a-f-]{36}$/.test(rest.correlationId) ? rest.correlationId : randomUUID();
  opts.onInternal?.(formatted, correlationId);
  return {
    message: opts.exposeDetails ? formatted.message : `Internal server error (correlation id ${correlationId})`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId, ...(rest.serviceName ? { serviceName: rest.serviceName } : {}) },
  };
}
