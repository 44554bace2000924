import { readFileSync, statSync } from 'node:fs';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../kernel/log.ts';

interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/**
 * The persisted query manifest (schema/persisted-queries.json): the only operations partners may
 * run. Re-read when the file changes, so a deploy of a new manifest needs no restart.
 */
export class Safelist {
  readonly #path: string;
  readonly #log: Logger;
  #byId = new Map<string, ManifestOperation>();
  #mtimeMs = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(path: string, logger: Logger, reloadEveryMs = 2000) {
    this.#path = path;
    this.#log = logger.child({ component: 'safelist' });
    this.#load();
    this.#timer = setInterval(() => this.#load(), reloadEveryMs).unref();
  }

  #load(): void {
    try {
      const { mtimeMs } = statSync(this.#path);
      if (mtimeMs === this.#mtimeMs) return;
      const manifest = JSON.parse(readFileSync(this.#path, 'utf8')) as { format?: string; operations?: ManifestOperation[] };
      if (manifest.format !== 'apollo-persisted-query-manifest' || !Array.isArray(manifest.operations)) {
        throw new Error('not an apollo-persisted-query-manifest');
      }
      this.#byId = new Map(manifest.operations.map((op) => [op.id, op]));
      this.#mtimeMs = mtimeMs;
      this.#log.info({ path: this.#path, operations: this.#byId.size }, 'persisted query manifest loaded');
    } catch (err) {
      // A broken manifest keeps the last good one: partners keep working while someone fixes it.
      this.#log.error({ path: this.#path, err: (err as Error).message }, 'persisted query manifest not loaded');
    }
  }

  get(id: string): ManifestOperation | undefined {
    return this.#byId.get(id);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

const refuse = (res: Response, message: string) =>
  res.status(400).json({ errors: [{ message, extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }] });

interface GraphQLBody {
  query?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/**
 * Partner requests (`X-API-Key`) must name a manifest operation by `extensions.persistedQuery.
 * sha256Hash`, over POST or (queries only) GET. The manifest's body is put in place of whatever
 * the request carried, so nothing but a listed operation ever reaches the gateway's executor.
 */
export function enforceSafelist(safelist: Safelist) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.get('x-api-key')) return next();
    const body: GraphQLBody | undefined =
      req.method === 'GET'
        ? { query: req.query.query, extensions: parseJson(req.query.extensions) as GraphQLBody['extensions'] }
        : (req.body as GraphQLBody | undefined);
    if (!body || Array.isArray(body)) return refuse(res, 'Partners send one persisted operation per request');
    const hash = body.extensions?.persistedQuery?.sha256Hash;
    if (typeof hash !== 'string') {
      return refuse(res, 'Partner requests must name a persisted operation by extensions.persistedQuery.sha256Hash; free-form queries are not accepted');
    }
    const operation = safelist.get(hash);
    if (!operation) return refuse(res, `Operation ${hash.slice(0, 12)}… is not in the persisted query manifest`);
    if (typeof body.query === 'string' && body.query !== operation.body) {
      return refuse(res, 'The query text does not match the listed operation with this hash');
    }
    if (req.method === 'GET') {
      if (operation.type !== 'query') return refuse(res, `${operation.name} is a ${operation.type}: use POST`);
      // Express 5's req.query is read-only; Apollo's integration reads the URL, so the URL is rewritten.
      const url = new URL(req.url, 'http://gateway');
      url.searchParams.set('query', operation.body);
      req.url = `${url.pathname}${url.search}`;
    } else {
      (req.body as GraphQLBody).query = operation.body;
    }
    return next();
  };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
