import { Entity } from 'electrodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// Its one entity (the send-rate counter) is built, and so checked, when the module loads.
import '../../domain/mail/send-rate';
import { db } from '../../domain/platform/table';
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
