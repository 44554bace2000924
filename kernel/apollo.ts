import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { formatError } from './errors.ts';
import type { Logger } from './log.ts';

/**
 * The Apollo Server settings every Atrium server shares, gateway and subgraphs alike: CSRF
 * prevention, introspection only outside production, and the one error boundary that logs an
 * internal fault and hands the client generic text.
 */
export function sharedServerOptions(opts: { production: boolean; logger: Logger }): Pick<
  ApolloServerOptions<BaseContext>,
  'csrfPrevention' | 'introspection' | 'includeStacktraceInErrorResponses' | 'formatError'
> {
  return {
    csrfPrevention: true,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) =>
      formatError(formatted, {
        exposeDetails: !opts.production,
        onInternal: () => opts.logger.error({ err: error, path: formatted.path }, 'unexpected error'),
      }),
  };
}
