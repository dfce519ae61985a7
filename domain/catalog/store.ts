import { type Cycle, db } from '../platform/table';
import type { Framework, Template } from './documents';

/*
 * Reading and saving the catalog: frameworks, templates and triggers are documents kept whole, each
 * save a new revision; a cycle keeps the template and framework it was scheduled with, so editing a
 * template never changes what a running cycle asks.
 */

export type Catalog = { template: Template; framework: Framework };

/** A template as it is now, with the framework it rates against; undefined if either is missing. */
export const loadCatalog = async (templateId: string): Promise<Catalog | undefined> => {
  const template = (await db().template.get({ id: templateId }).go()).data?.doc as Template | undefined;
  if (!template) return undefined;
  const framework = (await db().framework.get({ id: template.frameworkId }).go()).data?.doc as
    | Framework
    | undefined;
  return framework ? { template, framework } : undefined;
};

/**
 * The template and framework of a cycle made from a template, as they were when it was scheduled;
 * undefined for a cycle without one.
 */
export const catalogOf = async (
  cycle: Pick<Cycle, 'cycleId' | 'templateId'> | undefined,
): Promise<Catalog | undefined> => {
  if (!cycle?.templateId) return undefined;
  const kept = (await db().cycleCatalog.get({ cycleId: cycle.cycleId }).go()).data;
  return kept ? { template: kept.template as Template, framework: kept.framework as Framework } : undefined;
};
