import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/*
 * Drives a local stand-in's request handler in-process, as its server would call it, with no port
 * and no socket: the unit project never touches the network. The request is a readable stream of
 * the body carrying the fields the stand-ins read; the response keeps what they write.
 */

export type Answer = { status: number; headers: Record<string, unknown>; body: string };
export type Request = { method: string; url: string; headers?: Record<string, string>; body?: string };
export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export const send = (handler: Handler, request: Request): Promise<Answer> =>
  new Promise((resolve) => {
    const req = Object.assign(Readable.from(request.body === undefined ? [] : [Buffer.from(request.body)]), {
      method: request.method,
      url: request.url,
      headers: { host: 'localhost', ...request.headers },
      socket: { remoteAddress: '127.0.0.1' },
    });
    const answer: Answer = { status: 0, headers: {}, body: '' };
    const res = {
      headersSent: false,
      writeHead(status: number, headers: Record<string, unknown> = {}) {
        answer.status = status;
        answer.headers = headers;
        res.headersSent = true;
        return res;
      },
      end(body?: string | Buffer) {
        answer.body = body === undefined ? '' : body.toString();
        resolve(answer);
        return res;
      },
    };
    // The stand-ins use only the members built above; the casts stand for the rest of Node's types.
    void handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });

/** A server's request listener, called as the server would call it. */
export const listenerOf =
  (server: { emit: (event: 'request', req: IncomingMessage, res: ServerResponse) => boolean }): Handler =>
  (req, res) =>
    server.emit('request', req, res);
