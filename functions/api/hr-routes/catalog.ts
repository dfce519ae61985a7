import type * as z from 'zod';
import { FrameworkDoc, PlanPolicyDoc, TemplateDoc, TriggerDoc } from '../../../domain/catalog/documents';
import {
  type DocumentKind,
  type Documents,
  documentRevision,
  listDocuments,
  revisionsOf,
  saveDocument,
  storedDocument,
} from '../../../domain/catalog/store';
import { conflict, invalid, invalidFields, jsonResult, notFound, parseJson } from '../../shared/http';
import { catalogRevisionNumber } from '../hr-schemas';
import { hrOnly, pathParam, type Route, type Routes, unknownTemplate } from './route';

/*
 * The catalog: frameworks, templates, triggers and plan policies, each a document HR saves whole under
 * the id in the path and anyone signed in reads back (triggers: HR only), listed by kind, with every
 * revision kept as it was saved.
 */

/** Saves the document in the body as a new revision, once what it names is known to exist. */
const putDocument =
  <K extends DocumentKind>(kind: K, schema: z.ZodType<Documents[K]>): Route =>
  async (event, caller) => {
    const body = parseJson(event, schema);
    if (!body.ok) return body.result;
    const id = pathParam(event, `${kind}Id`);
    if (body.value.id !== id) return invalid('id', 'must match the path');
    const result = await saveDocument(kind, id, body.value, caller.employeeId);
    switch (result.outcome) {
      case 'no-framework':
        return invalid('frameworkId', 'no such framework', `no framework ${result.frameworkId}`);
      case 'unknown-competencies':
        return invalidFields(
          result.competencies.map((u) => ({
            field: `questions.${u.index}.competencyId`,
            message: `not in framework ${result.frameworkId}: "${u.id}"`,
          })),
        );
      case 'no-template':
        return unknownTemplate(result.templateId);
      case 'conflict':
        return conflict(
          `another save of this ${kind} went in at the same moment (now revision ${String(result.revision)}); read it and save again`,
        );
      default:
        return jsonResult(200, result.item);
    }
  };

/** The document as stored, with its revision. */
const getDocument =
  (kind: DocumentKind): Route =>
  async (event) => {
    const found = await storedDocument(kind, pathParam(event, `${kind}Id`));
    return found ? jsonResult(200, found) : notFound(`${kind}Id`, `no such ${kind}`);
  };

/** Every document of the kind as it is now, with its revision and who saved it. */
const listKind =
  (kind: DocumentKind): Route =>
  async () =>
    jsonResult(200, { documents: await listDocuments(kind) });

/** A document's revisions (newest first, without contents), or one revision whole as it was saved. */
const revisions =
  (kind: DocumentKind): Route =>
  async (event) => {
    const id = pathParam(event, `${kind}Id`);
    const wanted = event.pathParameters?.revision;
    if (wanted === undefined) {
      const list = await revisionsOf(kind, id);
      return list.length ? jsonResult(200, { revisions: list }) : notFound(`${kind}Id`, `no such ${kind}`);
    }
    const revision = catalogRevisionNumber.safeParse(wanted);
    if (!revision.success) return invalid('revision', 'a revision number: 1, 2, 3…');
    const found = await documentRevision(kind, id, revision.data);
    return found ? jsonResult(200, found) : notFound('revision', `no revision ${wanted} of this ${kind}`);
  };

export const catalogRoutes: Routes = {
  'GET /frameworks': listKind('framework'),
  'GET /frameworks/{frameworkId}/revisions': revisions('framework'),
  'GET /frameworks/{frameworkId}/revisions/{revision}': revisions('framework'),
  'GET /templates': listKind('template'),
  'GET /templates/{templateId}/revisions': revisions('template'),
  'GET /templates/{templateId}/revisions/{revision}': revisions('template'),
  'GET /triggers': hrOnly(listKind('trigger')),
  'GET /triggers/{triggerId}/revisions': hrOnly(revisions('trigger')),
  'GET /triggers/{triggerId}/revisions/{revision}': hrOnly(revisions('trigger')),
  'GET /plan-policies': listKind('planPolicy'),
  'GET /plan-policies/{planPolicyId}/revisions': revisions('planPolicy'),
  'GET /plan-policies/{planPolicyId}/revisions/{revision}': revisions('planPolicy'),
  'PUT /frameworks/{frameworkId}': hrOnly(putDocument('framework', FrameworkDoc)),
  'GET /frameworks/{frameworkId}': getDocument('framework'),
  'PUT /templates/{templateId}': hrOnly(putDocument('template', TemplateDoc)),
  'GET /templates/{templateId}': getDocument('template'),
  'PUT /triggers/{triggerId}': hrOnly(putDocument('trigger', TriggerDoc)),
  'GET /triggers/{triggerId}': hrOnly(getDocument('trigger')),
  'PUT /plan-policies/{planPolicyId}': hrOnly(putDocument('planPolicy', PlanPolicyDoc)),
  'GET /plan-policies/{planPolicyId}': getDocument('planPolicy'),
};
