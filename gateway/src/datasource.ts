import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { REFRESH_COOKIE } from '../../kernel/auth.ts';
import { INTERNAL_HEADER } from '../../kernel/internal-auth.ts';
import { injectTraceContext, tracingActive } from '../../kernel/tracing.ts';
import type { GatewayContext } from './context.ts';

/** Response headers a subgraph may set on the client's response (sign-in cookies and token). */
const PASSED_BACK = ['x-auth-token'];

/**
 * The gateway's call to one subgraph: forwards the verified identity (subgraphs verify the token
 * again), the client's address and device, and the refresh cookie; passes sign-in cookies back.
 */
export class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #credential: () => string;

  constructor(url: string, opts: { timeoutMs: number; onRequest: () => void; credential: () => string }) {
    // Node's fetch (not node-fetch) so Set-Cookie lists survive, with a deadline on every call.
    const fetcher = (input: string, init?: RequestInit) => {
      opts.onRequest();
      return fetch(input, { ...init, signal: AbortSignal.timeout(opts.timeoutMs) });
    };
    super({ url, fetcher: fetcher as never });
    this.#credential = opts.credential;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = options.request.http?.headers;
    if (!headers) return;
    // Every call, the gateway's own health and schema calls included: subgraphs answer only the gateway.
    headers.set(INTERNAL_HEADER, this.#credential());
    // The subgraph continues the trace: the active span is @apollo/gateway's fetch (`subgraph <name>`).
    if (tracingActive()) for (const [name, value] of Object.entries(injectTraceContext<Record<string, string>>({}))) headers.set(name, value);
    if (!('incomingRequestContext' in options)) return;
    const ctx = options.context;
    if (ctx.identity) headers.set('authorization', `Bearer ${ctx.identity.token}`);
    if (ctx.client.ip) headers.set('x-forwarded-for', ctx.client.ip);
    if (ctx.client.userAgent) headers.set('user-agent', ctx.client.userAgent);
    if (ctx.refreshCookie) headers.set('cookie', `${REFRESH_COOKIE}=${encodeURIComponent(ctx.refreshCookie)}`);
  }

  override didReceiveResponse: RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse'] = ({ response, context }) => {
    const headers = (response.http as { headers?: Headers } | undefined)?.headers;
    const res = (context as GatewayContext).res;
    if (headers && res && !res.headersSent) {
      for (const cookie of headers.getSetCookie?.() ?? []) res.append('Set-Cookie', cookie);
      for (const name of PASSED_BACK) {
        const value = headers.get(name);
        if (value) res.setHeader(name, value);
      }
    }
    return response;
  };
}
