import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { formatError } from './errors.ts';
import type { Logger } from './log.ts';

/**
 * The Apollo Server settings every Atrium server shares, gateway and subgraphs alike: CSRF
 * prevention, introspection only outside production, and the one error boundary that logs an
 * internal fault and hands the client generic text.
 */
export function sharedServerOptions(opts: { production: boolean; logger: Logger }): Pick<
  ApolloServerOptions<BaseContext>,
  'csrfPrevention' | 'introspection' | 'includeStacktraceInErrorResponses' | 'formatError' | 'hideSchemaDetailsFromClientErrors' | 'stopOnTerminationSignals'
> {
  return {
    csrfPrevention: true,
    // Each service's own stop() handles SIGINT/SIGTERM, in order; Apollo's handler would race it and
    // hold the port until its own drain ends (seen: 10 s before a restarted `npm start` could bind).
    stopOnTerminationSignals: false,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: false,
    // No "Did you mean …?" in production: suggestions map the schema for whoever guesses.
    hideSchemaDetailsFromClientErrors: opts.production,
    formatError: (formatted, error) =>
      formatError(clientFaultWithoutCode(formatted, error), {
        exposeDetails: !opts.production,
        onInternal: (_f, correlationId) => opts.logger.error({ err: error, path: formatted.path, correlationId }, 'unexpected error'),
      }),
  };
}

/** Apollo's own request errors that answer 4xx without a code (e.g. an APQ hash mismatch) are the client's fault. */
function clientFaultWithoutCode(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const status = (error as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status;
  // Apollo labels any error without a code INTERNAL_SERVER_ERROR before formatError sees it.
  const uncoded = !formatted.extensions?.code || formatted.extensions.code === 'INTERNAL_SERVER_ERROR';
  if (!uncoded || !status || status < 400 || status >= 500) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
}
