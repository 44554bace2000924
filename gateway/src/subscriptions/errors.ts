import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { formatError } from '../../../kernel/errors.ts';
import type { Logger } from '../../../kernel/log.ts';

/**
 * The WebSocket path bypasses Apollo Server's formatError, so events get the same boundary here,
 * as real GraphQLError instances (graphql-ws serialises them with toJSON).
 */
export function eventErrorBoundary(production: boolean, logger: Logger) {
  const log = logger.child({ component: 'subscriptions' });
  return (error: GraphQLError | GraphQLFormattedError): GraphQLError => {
    const formatted =
      error instanceof GraphQLError ? error.toJSON() : { message: error.message, path: error.path, extensions: error.extensions };
    const safe = formatError(formatted, {
      exposeDetails: !production,
      onInternal: (_f, correlationId) => log.error({ err: formatted, correlationId }, 'unexpected error while resolving a subscription event'),
    });
    return new GraphQLError(safe.message, { path: safe.path, extensions: safe.extensions });
  };
}
