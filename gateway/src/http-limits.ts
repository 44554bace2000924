import type { NextFunction, Request, Response } from 'express';

const refuse = (res: Response, status: number, message: string, extensions: Record<string, unknown>) =>
  res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT', ...extensions } }] });

/** Batched requests (a JSON array of operations) are off with 0, else at most `max` operations. */
export function limitBatches(max: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!Array.isArray(req.body)) return next();
    if (max === 0) return refuse(res, 400, 'Batched requests are not accepted; send one operation per request', { limit: 'batch', max });
    if (req.body.length > max) {
      return refuse(res, 400, `A batch holds at most ${max} operations, not ${req.body.length}`, { limit: 'batch', max, actual: req.body.length });
    }
    return next();
  };
}

/** Turns body-parser failures (too large, not JSON) into GraphQL errors instead of HTML pages. */
export function bodyErrors(maxBytes: number) {
  return (err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return refuse(res, 413, `Request body is larger than ${maxBytes} bytes`, { limit: 'bodySize', max: maxBytes });
    if (err.type === 'entity.parse.failed') return refuse(res, 400, 'Request body is not valid JSON', {});
    if (err.type === 'charset.unsupported') return refuse(res, 415, 'Only UTF-8 request bodies are accepted', {});
    if (err.type === 'encoding.unsupported') return refuse(res, 415, 'Content-Encoding is not supported: send the body uncompressed', {});
    // Any other client fault of the body reader (a body that does not match its encoding, an aborted upload).
    if (err.status && err.status >= 400 && err.status < 500) return refuse(res, err.status, 'Malformed request body', {});
    return next(err);
  };
}
