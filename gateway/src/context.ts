import type { Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Identity } from '../../kernel/auth.ts';

/** What the gateway knows about one request; subgraph data sources read it to forward identity. */
export interface GatewayContext {
  identity: Identity | null;
  /** Set when the request carried a token that failed verification; see authentication.ts. */
  authError: GraphQLError | null;
  client: { ip: string | null; userAgent: string | null };
  /** The browser's refresh cookie, forwarded to subgraphs so `refreshSession` and `logout` can read it. */
  refreshCookie: string | undefined;
  /** The HTTP response, where sign-in cookies go; absent on the WebSocket path. */
  res?: Response;
}
