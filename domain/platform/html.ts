/*
 * The one way HTML is written, pages and emails alike: a template tag that escapes every value it is
 * given, so nothing a person typed can become markup.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Markup that is already safe; only `html` produces it, so nothing user-supplied can be marked raw by accident. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | undefined | null | readonly Interpolation[];

const render = (value: Interpolation): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
};

/** Tagged template that escapes every interpolated value unless it is itself built by `html`. */
export const html = (strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml =>
  new SafeHtml(
    strings.reduce(
      (out, s, i) => out + s + (i < values.length ? render(values[i] as Interpolation) : ''),
      '',
    ),
  );
