import { readCatalogFile } from '../../cli/growcycle';
import { CATALOG_YAML } from '../../local/sample-org';

export type CatalogDoc = Record<string, unknown> & { kind: string; id: string };

/** The sample catalog (local/catalog.yaml) as the CLI reads it: the framework, then the template. */
export const sampleCatalog = (): CatalogDoc[] => readCatalogFile(CATALOG_YAML) as CatalogDoc[];

/**
 * A catalog document with the template's goal-setting phase taken out (any other document as it
 * is), for tests whose reviews should open with the self-assessment at the template's dates.
 */
export const withoutGoalSetting = <T extends Record<string, unknown>>(doc: T): T => {
  if (doc.kind !== 'template') return doc;
  const { goalSetting: _goals, ...phases } = (doc.phases ?? {}) as Record<string, unknown>;
  return { ...doc, phases };
};
