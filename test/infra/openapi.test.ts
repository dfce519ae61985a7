import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, openApiDocument } from '../../functions/api/openapi';
import { buildApp } from '../../infra/app';

/*
 * The OpenAPI 3.1 document: valid by a real validator, clean under Redocly's recommended rules, and
 * describing exactly the routes deployed.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

type Lint = {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; message: string }>;
};

/** Redocly CLI's lint of a document, by the repository's redocly.yaml (its Node API is not a stable one). */
const redoclyLint = async (document: unknown): Promise<Lint> => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    // Redocly exits 1 when it finds errors; its JSON report on stdout says which.
    const { stdout, stderr } = await promisify(execFile)(
      path.join(ROOT, 'node_modules/.bin/redocly'),
      ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));
    if (!stdout.trim().startsWith('{')) throw new Error(`Redocly gave no report: ${stderr}`);
    return JSON.parse(stdout) as Lint;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { security: unknown[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }
    >
  >;
};

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const lint = await redoclyLint(openApiDocument());
    expect(lint.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(lint.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('gives every operation its success’s media type and its errors: problem+json naming the field for 400, the gateway’s own 401 and 429', () => {
    const doc = openApiDocument() as unknown as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            tags: string[];
            responses: Record<string, { content?: Record<string, unknown> }>;
          }
        >
      >;
    };
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(operations).toHaveLength(Object.keys(OPERATIONS).length);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    for (const o of operations) {
      expect(o.tags).toHaveLength(1);
      expect(Object.keys(o.responses).some((s) => s.startsWith('4'))).toBe(true);
      expect(o.responses['429']?.content).toHaveProperty(['application/json']);
      // A redirect's answer is its Location header: no body to describe.
      const [status = '', success] = Object.entries(o.responses).find(([s]) => /^[23]/.test(s)) ?? [];
      expect(Object.keys(success?.content ?? {}), o.operationId).toHaveLength(status.startsWith('3') ? 0 : 1);
    }
    const put = doc.paths['/employees']?.put?.responses;
    expect(put?.['400']?.content).toHaveProperty(['application/problem+json']);
    expect(put?.['401']?.content).toHaveProperty(['application/json']);
  });

  it('describes exactly the routes the gateway serves, with their authorization', () => {
    const { stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    const routes = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string; AuthorizationType: string } }).Properties,
    );
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const r of routes)
      expect(`${r.RouteKey} ${r.AuthorizationType}`).toBe(
        `${r.RouteKey} ${OPERATIONS[r.RouteKey]?.auth === 'jwt' ? 'JWT' : 'NONE'}`,
      );
  });

  it('publishes the request schemas the handlers parse with, fields and constraints included', () => {
    const doc = openApiDocument() as unknown as Doc;
    const cycles = doc.paths['/cycles']?.post?.requestBody?.content['application/json']?.schema as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect(cycles.required).toEqual(['name']);
    expect(cycles.properties.templateId).toMatchObject({ type: 'string' });
    expect(cycles.properties.participants).toMatchObject({ type: 'array', minItems: 1, maxItems: 10_000 });
    expect(cycles.properties.startAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.paths['/cycles']?.post?.security).toEqual([{ cognito: [] }]);
    expect(doc.paths['/r/{requestId}']?.get?.security).toEqual([]);
  });
});
