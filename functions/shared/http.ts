import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';

/*
 * HTTP for the Lambdas behind API Gateway: the results they answer with (JSON, HTML pages, RFC 9457
 * problem documents) and reading a request (headers, the body, JSON checked against a zod schema).
 */

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Headers every HTML page gets: no scripts, no framing, no caching, no leaking the signed link. */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

export const htmlResult = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { ...HTML_HEADERS },
  body,
});

export const jsonResult = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  },
  body: JSON.stringify(body),
});

export type FieldError = { field: string; message: string };

/**
 * An RFC 9457 problem document; `errors` names each failing field, `extensions` adds members of the
 * problem's own (an import's report beside the reason it was rejected).
 */
export const problem = (
  status: number,
  title: string,
  detail: string,
  errors: FieldError[] = [],
  extensions: Record<string, unknown> = {},
): HttpResult => ({
  statusCode: status,
  headers: {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  },
  body: JSON.stringify({
    type: 'about:blank',
    title,
    status,
    detail,
    ...(errors.length ? { errors } : {}),
    ...extensions,
  }),
});

/** A problem with one field: the detail reads "field: what is wrong", more precisely than the message if need be. */
export const fieldProblem = (
  status: number,
  title: string,
  field: string,
  message: string,
  detail = message,
): HttpResult => problem(status, title, `${field}: ${detail}`, [{ field, message }]);

/** 400: one field of the request is wrong. */
export const invalid = (field: string, message: string, detail = message): HttpResult =>
  fieldProblem(400, 'Invalid request', field, message, detail);

/** 400: several fields are wrong, each named in the detail. */
export const invalidFields = (errors: FieldError[]): HttpResult =>
  problem(400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

/** 404: the field names something that is not there (`detail` says what was looked for). */
export const notFound = (field: string, detail: string, message = 'not found'): HttpResult =>
  fieldProblem(404, 'Not found', field, message, detail);

export const forbidden = (detail: string): HttpResult => problem(403, 'Forbidden', detail);

export const conflict = (detail: string): HttpResult => problem(409, 'Conflict', detail);

export const fieldErrors = (error: z.ZodError): FieldError[] =>
  error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));

export const validationProblem = (error: z.ZodError): HttpResult => invalidFields(fieldErrors(error));

export const rawBody = (event: HttpEvent): string =>
  event.body === undefined
    ? ''
    : event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;

export const header = (event: HttpEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
};

/** Parses a JSON body; a body that is not JSON is reported like any other invalid field. */
export const parseJson = <S extends z.ZodType>(
  event: HttpEvent,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; result: HttpResult } => {
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { ok: false, result: problem(415, 'Unsupported media type', 'Send the body as application/json') };
  }
  let data: unknown;
  try {
    data = JSON.parse(rawBody(event));
  } catch {
    return { ok: false, result: invalid('(body)', 'not valid JSON') };
  }
  const parsed = schema.safeParse(data);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, result: validationProblem(parsed.error) };
};
