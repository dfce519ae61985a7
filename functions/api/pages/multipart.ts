import busboy from 'busboy';
import { type HttpEvent, header } from '../../shared/http';

/*
 * A page's POST body read as a browser sends it: URL-encoded fields, or `multipart/form-data` with
 * files (an HRIS export uploaded from HR's import page). API Gateway hands the body over base64
 * encoded when it is binary; everything stays in memory, within Lambda's 6 MB request payload.
 */

/** An uploaded file: its name as the browser gave it and its content as UTF-8 text. */
export type Upload = { filename: string; text: string; truncated: boolean };

export type PostedForm = { fields: URLSearchParams; files: Map<string, Upload> };

/**
 * The largest file a page accepts; larger ones are cut here and reported as truncated. The import
 * carries the file to its next step base64-encoded in a form, which the gateway may base64-encode
 * again: 2 MB arrives as under 4 MB, inside Lambda's 6 MB request payload.
 */
export const MAX_UPLOAD_BYTES = 2_000_000;

const bodyBytes = (event: HttpEvent): Buffer =>
  event.body === undefined
    ? Buffer.alloc(0)
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/** Reads a multipart body's fields and files; rejects a body busboy cannot parse. */
export const parseMultipart = (contentType: string, body: Buffer): Promise<PostedForm> =>
  new Promise((resolve, reject) => {
    const fields = new URLSearchParams();
    const files = new Map<string, Upload>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 4, fields: 200, fieldSize: 100_000 },
        defParamCharset: 'utf8',
      });
    } catch (error) {
      reject(error);
      return;
    }
    parser.on('field', (name, value) => fields.append(name, value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        truncated = true;
      });
      // A body cut short in a file destroys its stream with the error the parser rejects with; unheard,
      // the stream throws it outside any promise, which ends the Lambda process.
      stream.on('error', reject);
      stream.on('close', () => {
        files.set(name, {
          filename: info.filename ?? '',
          text: Buffer.concat(chunks)
            .toString('utf8')
            .replace(/^\uFEFF/, ''),
          truncated,
        });
      });
    });
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, files }));
    parser.end(body);
  });

/** The fields (and files) a page's POST carries, whichever way the form was encoded. */
export const postedForm = async (event: HttpEvent): Promise<PostedForm> => {
  const contentType = header(event, 'content-type') ?? '';
  const body = bodyBytes(event);
  if (/^multipart\/form-data/i.test(contentType)) {
    try {
      return await parseMultipart(contentType, body);
    } catch {
      // A body that is not the multipart it claims to be carries no fields, so no CSRF token: refused.
      return { fields: new URLSearchParams(), files: new Map() };
    }
  }
  return { fields: new URLSearchParams(body.toString('utf8')), files: new Map() };
};
