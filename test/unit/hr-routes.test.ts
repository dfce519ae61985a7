import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { importOrganisation } from '../../domain/people/org';
import { HR_ROUTES } from '../../functions/api/hr-api';
import { auditRoutes } from '../../functions/api/hr-routes/audit';
import { catalogRoutes } from '../../functions/api/hr-routes/catalog';
import { cycleRoutes } from '../../functions/api/hr-routes/cycles';
import { employeeRoutes } from '../../functions/api/hr-routes/employees';
import { feedbackRoutes } from '../../functions/api/hr-routes/feedback';
import { goalRoutes } from '../../functions/api/hr-routes/goals';
import { orgRoutes } from '../../functions/api/hr-routes/org';
import { personRoutes } from '../../functions/api/hr-routes/person-export';
import { planRoutes } from '../../functions/api/hr-routes/plans';
import { requestRoutes } from '../../functions/api/hr-routes/requests';
import { reviewRoutes } from '../../functions/api/hr-routes/reviews';
import { invalid, notFound } from '../../functions/shared/http';

const ddb = mockClient(DynamoDBDocumentClient);

const RESOURCES = {
  auditRoutes,
  catalogRoutes,
  cycleRoutes,
  employeeRoutes,
  feedbackRoutes,
  goalRoutes,
  orgRoutes,
  planRoutes,
  requestRoutes,
  reviewRoutes,
  // The export reads through the other routes, which it is given rather than imports.
  personRoutes: personRoutes(async () => ({ status: 404, body: undefined })),
};

const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

const nobodyFollows = async () => ({ moved: [] });

describe('the HR API’s route maps', () => {
  it('serve every route from exactly one resource, and nothing else', () => {
    // Prepare
    const keys = Object.values(RESOURCES).flatMap((routes) => Object.keys(routes));

    // Assess
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...HR_ROUTES].sort());
  });
});

describe('the problem answers', () => {
  it('name the field in the detail and in errors, with a more precise detail where given', () => {
    // Act
    const bad = invalid('ownerId', 'unknown employee', 'unknown employee ada');
    const missing = notFound('planId', 'no plan p1');

    // Assess
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toEqual({
      type: 'about:blank',
      title: 'Invalid request',
      status: 400,
      detail: 'ownerId: unknown employee ada',
      errors: [{ field: 'ownerId', message: 'unknown employee' }],
    });
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing)).toMatchObject({
      title: 'Not found',
      detail: 'planId: no plan p1',
      errors: [{ field: 'planId', message: 'not found' }],
    });
  });
});

describe('importOrganisation', () => {
  afterEach(() => {
    ddb.reset();
  });

  it('refuses a file that is not CSV, saying where, before reading the organisation', async () => {
    // Act
    const result = await importOrganisation(
      { mode: 'partial', dryRun: false, skipInvalid: false, csv: 'employee_id,name\n"e1,Ada\n' },
      'hr-1',
      nobodyFollows,
    );

    // Assess
    expect(result).toEqual({ outcome: 'bad-csv', message: expect.stringContaining('line 2') });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('names every required column the rows lack, and writes nothing', async () => {
    // Act
    const result = await importOrganisation(
      {
        mode: 'full',
        dryRun: false,
        skipInvalid: true,
        rows: [{ employee_id: 'e1', name: 'Ada', level: 3 }],
      },
      'hr-1',
      nobodyFollows,
    );

    // Assess
    expect(result).toEqual({ outcome: 'missing-columns', columns: ['email', 'job_title', 'time_zone'] });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
