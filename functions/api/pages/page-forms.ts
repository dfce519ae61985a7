import * as z from 'zod';
import { type PageContext, refusal } from './shell';

/*
 * Reading a page's posted form with zod: its fields, a number field that may be left empty, and the
 * page that names the field a form got wrong (the same page an HR API refusal gives).
 */

/** A field of a form the page could not read: the same page an API refusal gives, naming the field. */
export const formProblem = (context: PageContext, detail: string, back: string) =>
  refusal(context.user, { status: 400, body: { title: 'Not done', detail } }, back);

/** A number field left empty is no number; anything else must be one. */
export const optionalNumber = z
  .string()
  .trim()
  .default('')
  .transform((v) => (v === '' ? undefined : Number(v)))
  .refine((v) => v === undefined || Number.isFinite(v), 'must be a number');

/** A form's fields as zod reads them: each field once, the first value. */
export const fieldsOf = (form: URLSearchParams) =>
  Object.fromEntries([...new Set(form.keys())].map((k) => [k, form.get(k) ?? '']));

/** The first problem zod found, as "field: message". */
export const firstProblem = (error: z.ZodError) => {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'form'}: ${issue?.message ?? 'invalid'}`;
};
