import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import { type Cycle, db, isConditionFailure } from '../platform/table';
import {
  type Framework,
  type PlanPolicy,
  type Template,
  type Trigger,
  unknownCompetencies,
} from './documents';

/*
 * Reading and saving the catalog: frameworks, templates, triggers and plan policies are documents kept whole, each
 * save a new revision, checked against the documents it names and recorded in the audit trail; a
 * cycle keeps the template and framework it was scheduled with, so editing a template never changes
 * what a running cycle asks.
 */

export type Catalog = { template: Template; framework: Framework };

/** The kinds of catalog document, each with its document's type. */
export type Documents = {
  framework: Framework;
  template: Template;
  trigger: Trigger;
  planPolicy: PlanPolicy;
};
export type DocumentKind = keyof Documents;

/** A document as it is stored now, with its revision and who saved it; undefined when there is none. */
export const storedDocument = async (kind: DocumentKind, id: string) =>
  (await db()[kind].get({ id }).go()).data ?? undefined;

export type SaveOutcome =
  | {
      outcome: 'saved';
      item: { id: string; doc: unknown; revision: number; updatedAt: string; updatedBy: string };
    }
  /** A template names a framework that is not stored. */
  | { outcome: 'no-framework'; frameworkId: string }
  /** A template's questions name competencies its framework does not define. */
  | {
      outcome: 'unknown-competencies';
      frameworkId: string;
      competencies: Array<{ index: number; id: string }>;
    }
  /** A trigger names a template that is not stored. */
  | { outcome: 'no-template'; templateId: string }
  /** Another save of the same document went in between this one's read and write; `revision` is its. */
  | { outcome: 'conflict'; revision: number | undefined };

/** Why a document may not be saved as it is: what it names must exist. */
const refusal = async (
  kind: DocumentKind,
  doc: Documents[DocumentKind],
): Promise<Exclude<SaveOutcome, { outcome: 'saved' }> | undefined> => {
  if (kind === 'template') {
    const { frameworkId } = doc as Template;
    const framework = await storedDocument('framework', frameworkId);
    if (!framework) return { outcome: 'no-framework', frameworkId };
    const competencies = unknownCompetencies(doc as Template, framework.doc as Framework);
    return competencies.length ? { outcome: 'unknown-competencies', frameworkId, competencies } : undefined;
  }
  if (kind === 'trigger') {
    const { templateId } = doc as Trigger;
    return (await storedDocument('template', templateId))
      ? undefined
      : { outcome: 'no-template', templateId };
  }
  return undefined;
};

/** Stores a framework, template, trigger or plan policy as a new revision and records the change. */
export const saveDocument = async <K extends DocumentKind>(
  kind: K,
  id: string,
  doc: Documents[K],
  actor: string,
): Promise<SaveOutcome> => {
  const refused = await refusal(kind, doc);
  if (refused) return refused;
  // Read strongly: the write below is conditioned on this revision being the latest.
  const previous = (await db()[kind].get({ id }).go({ consistent: true })).data ?? undefined;
  const item = {
    id,
    doc,
    revision: (previous?.revision ?? 0) + 1,
    updatedAt: now().toISOString(),
    updatedBy: actor,
  };
  try {
    // On condition that the revision read is still the latest (or that there is none yet), so two
    // saves at once never both become revision n + 1, one silently replacing the other.
    if (previous)
      await db()
        [kind].put(item)
        .where((a, op) => op.eq(a.revision, previous.revision))
        .go();
    else await db()[kind].create(item).go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { outcome: 'conflict', revision: (await storedDocument(kind, id))?.revision };
  }
  // Kept after the write that made it current, so a revision listed is always one that was current.
  await db()
    .catalogRevision.put({ kind, ...item })
    .go();
  await recordAudit(`${kind}#${id}`, actor, `${kind}.saved`, { revision: item.revision });
  return { outcome: 'saved', item };
};

/** Every document of a kind as it is now, by id: the catalog holds a handful of each. */
export const listDocuments = async (kind: DocumentKind) =>
  (await db()[kind].query.all({}).go({ pages: 'all' })).data;

/** One revision of a document as it was saved; undefined when there is no such revision. */
export const documentRevision = async (kind: DocumentKind, id: string, revision: number) =>
  (await db().catalogRevision.get({ kind, id, revision }).go()).data ?? undefined;

/** A document's revisions, newest first, without their contents. */
export const revisionsOf = async (kind: DocumentKind, id: string) =>
  (await db().catalogRevision.query.byDocument({ kind, id }).go({ pages: 'all' })).data
    .map(({ revision, updatedAt, updatedBy }) => ({ revision, updatedAt, updatedBy }))
    .sort((a, b) => b.revision - a.revision);

/** A template as it is now, with the framework it rates against; undefined if either is missing. */
export const loadCatalog = async (templateId: string): Promise<Catalog | undefined> => {
  const template = (await storedDocument('template', templateId))?.doc as Template | undefined;
  if (!template) return undefined;
  const framework = (await storedDocument('framework', template.frameworkId))?.doc as Framework | undefined;
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
