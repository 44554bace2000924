/** What one HTTP round trip through the gateway returned. */
export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; path?: string[]; extensions?: Record<string, any> }[] | undefined;
  headers: Headers;
}

/**
 * A small client that behaves like a browser or a server: it can send a bearer token, and it
 * keeps cookies it is given, so cookie-based journeys are tested as a browser would make them.
 */
export class GraphQLClient {
  readonly #url: string;
  token: string | undefined;
  readonly cookies = new Map<string, string>();
  readonly #headers: Record<string, string>;

  constructor(url: string, opts: { token?: string; headers?: Record<string, string>; keepCookies?: boolean } = {}) {
    this.#url = url;
    this.token = opts.token;
    this.#headers = opts.headers ?? {};
    this.keepCookies = opts.keepCookies ?? false;
  }

  keepCookies: boolean;

  async request<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.#headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.#url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    if (this.keepCookies) {
      for (const cookie of res.headers.getSetCookie()) {
        const [pair = '', ...attrs] = cookie.split(';');
        const [name = '', value = ''] = pair.split('=');
        const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
        if (expired || value === '') this.cookies.delete(name.trim());
        else this.cookies.set(name.trim(), value.trim());
      }
    }
    const body = (await res.json()) as { data?: T; errors?: GraphQLResult['errors'] };
    return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
  }

  /** Like `request`, but fails the test with the errors when there are any. */
  async ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const result = await this.request<T>(query, variables);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  }
}

/** The `extensions.code` of the first error, for assertions. */
export const codeOf = (result: GraphQLResult) => result.errors?.[0]?.extensions?.code;
