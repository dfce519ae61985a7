import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * Passing a request on unchanged, for the local stand-ins that sit in front of another server: the
 * SES gateway (in front of aws-ses-v2-local) and the DynamoDB throttling proxy (in front of DynamoDB
 * Local).
 */

// Headers that belong to one connection, not to the request passed on.
const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'expect',
]);

export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * Sends the request (its body already read) to the same path on `base`, answers the caller with the
 * status, content type and body that came back, and returns them.
 */
export const passOn = async (
  base: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  defaultContentType: string,
  { reply = true } = {},
): Promise<{ ok: boolean; answer: Buffer }> => {
  const upstream = await fetch(`${base}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers: Object.fromEntries(
      Object.entries(req.headers)
        .filter(([name]) => !HOP_BY_HOP.has(name))
        .map(([name, value]) => [name, String(value)]),
    ),
    ...(body.length && req.method !== 'GET' ? { body } : {}),
  });
  const answer = Buffer.from(await upstream.arrayBuffer());
  if (!reply) return { ok: upstream.ok, answer };
  res.writeHead(upstream.status, {
    'content-type': upstream.headers.get('content-type') ?? defaultContentType,
  });
  res.end(answer);
  return { ok: upstream.ok, answer };
};
