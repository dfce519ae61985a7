/*
 * What the Lambda bundles get in place of the `jsonschema` package (infra/function.ts BUNDLING):
 * ElectroDB uses it for one thing, to check each entity's model against its model schema when the
 * entity is built, which every handler does for every entity at each cold start (about half of a
 * handler's own load time, measured in docs/benchmarks.md). The models are constants, so the check
 * gives the same answer every time: it runs where the sources run (the tests, the local stack), and
 * test/unit/entity-models.test.ts runs it on every entity, so a model it would refuse never ships.
 */

/** Accepts every model: the check itself runs from the sources, not in the bundles. */
export class Validator {
  declare customFormats: Record<string, (input: unknown) => boolean>;
  addSchema(): void {}
  validate(): { errors: [] } {
    return { errors: [] };
  }
}

// ElectroDB adds its formats to the prototype's, as jsonschema's own Validator keeps them.
Validator.prototype.customFormats = {};
