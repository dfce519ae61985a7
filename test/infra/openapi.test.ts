import { Validator } from '@seriousme/openapi-schema-validator';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, openApiDocument } from '../../functions/api/openapi';
import { buildApp } from '../../infra/app';

/* The OpenAPI 3.1 document: valid by a real validator, and describing exactly the routes deployed. */

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
