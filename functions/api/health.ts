import type { HttpResult } from '../shared/http';
import { jsonResult } from '../shared/http';

export const handler = async (): Promise<HttpResult> => jsonResult(200, { status: 'ok' });
