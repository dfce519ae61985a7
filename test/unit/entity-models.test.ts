import { Entity } from 'electrodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// Its one entity (the send-rate counter) is built, and so checked, when the module loads.
import '../../domain/mail/send-rate';
import { db, type HumanRequest } from '../../domain/platform/table';
import { stubTestEnv } from '../support/unit-doubles';

/*
 * ElectroDB checks each entity's model against its model schema when the entity is built. The Lambda
 * bundles leave that check out (infra/jsonschema-unchecked.ts), so it is run here, from the sources,
 * where a model it refuses fails before it can ship.
 */

describe('the entity models, checked as ElectroDB checks them', () => {
  beforeEach(() => {
    stubTestEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('passes every entity of the table', () => {
    // Prepare
    const entities = Object.entries(db());

    // Act
    const refused = entities.flatMap(([name, entity]) => {
      try {
        new Entity(entity.schema);
        return [];
      } catch (error) {
        return [`${name}: ${error instanceof Error ? error.message : String(error)}`];
      }
    });

    // Assess
    expect(entities.length).toBeGreaterThan(10);
    expect(refused).toEqual([]);
  });

  it('refuses a model that breaks the model schema, so the check here is the real one', () => {
    // Prepare
    const model = {
      model: { entity: 'broken', version: '1', service: 'growcycle' },
      attributes: { id: { type: 'string', required: 'yes' } },
      indexes: { byId: { pk: { field: 'pk', composite: ['id'] }, sk: { field: 'sk', composite: [] } } },
    };

    // Act: the model's types refuse it too, which is the point, so they are set aside.
    const build = () => new Entity(model as never);

    // Assess
    expect(build).toThrow(/required is not of a type\(s\) boolean/);
  });
});

describe('sparse indexes', () => {
  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const request: HumanRequest = {
    requestId: 'R1',
    kind: 'check-in',
    recipientId: 'e1',
    subjectId: 'Emp1',
    title: 'Check-in',
    dueAt: '2027-01-01T09:00:00.000Z',
    closeAt: '2027-01-02T09:00:00.000Z',
    reminderHoursBefore: [],
    escalations: [],
    status: 'pending',
    remindersSent: 0,
    escalationsSent: 0,
    createdAt: '2026-12-01T09:00:00.000Z',
  };
  const keysOf = (item: HumanRequest) =>
    (db().request.create(item).params() as { Item: Record<string, unknown> }).Item;

  it("write a request outside a cycle (a plan's, a feedback request) to no cycle's list", () => {
    const item = keysOf(request);
    expect(item).not.toHaveProperty('gsi2pk');
    expect(item).not.toHaveProperty('gsi2sk');
  });

  it('list a cycle’s request under its cycle, by subject then request', () => {
    const item = keysOf({ ...request, cycleId: 'C1' });
    expect(item).toMatchObject({
      gsi2pk: '$growcycle#cycleid_c1',
      gsi2sk: '$request_1#subjectid_emp1#requestid_r1',
    });
  });
});
