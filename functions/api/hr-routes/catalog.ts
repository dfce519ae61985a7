import type { z } from 'zod';
import { FrameworkDoc, PlanPolicyDoc, TemplateDoc, TriggerDoc } from '../../../domain/catalog/documents';
import {
  type DocumentKind,
  type Documents,
  saveDocument,
  storedDocument,
} from '../../../domain/catalog/store';
import { conflict, invalid, invalidFields, jsonResult, notFound, parseJson } from '../../shared/http';
import { hrOnly, pathParam, type Route, type Routes, unknownTemplate } from './route';

/*
 * The catalog: frameworks, templates, triggers and plan policies, each a document HR saves whole under
 * the id in the path and anyone signed in reads back (triggers: HR only).
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

export const catalogRoutes: Routes = {
  'PUT /frameworks/{frameworkId}': hrOnly(putDocument('framework', FrameworkDoc)),
  'GET /frameworks/{frameworkId}': getDocument('framework'),
  'PUT /templates/{templateId}': hrOnly(putDocument('template', TemplateDoc)),
  'GET /templates/{templateId}': getDocument('template'),
  'PUT /triggers/{triggerId}': hrOnly(putDocument('trigger', TriggerDoc)),
  'GET /triggers/{triggerId}': hrOnly(getDocument('trigger')),
  'PUT /plan-policies/{planPolicyId}': hrOnly(putDocument('planPolicy', PlanPolicyDoc)),
  'GET /plan-policies/{planPolicyId}': getDocument('planPolicy'),
};
