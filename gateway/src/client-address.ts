import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Where a request comes from, as both transports report it to subgraphs, rate limits and logs. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/**
 * The one derivation of the client's address for HTTP requests and WebSocket upgrades alike:
 * X-Forwarded-For is believed only from the proxies TRUST_PROXY names (a hop count, or addresses
 * and subnets); without it the socket's peer is the client, so callers cannot pick their address.
 */
export function clientAddressResolver(trustProxy: boolean | number | string): (req: IncomingMessage) => ClientInfo {
  const trust =
    typeof trustProxy === 'number'
      ? (_addr: string, hop: number) => hop < trustProxy
      : typeof trustProxy === 'boolean'
        ? () => trustProxy
        : proxyaddr.compile(trustProxy.split(',').map((s) => s.trim()));
  return (req) => {
    let ip: string | null = null;
    try {
      ip = req.socket.remoteAddress ? proxyaddr(req, trust) : null;
    } catch {
      ip = null;
    }
    const agent = req.headers['user-agent'];
    return {
      ip: ip && isIP(ip) ? ip.replace(/^::ffff:/, '') : null,
      userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
    };
  };
}
