import { html, type SafeHtml } from '../../../domain/platform/html';

/*
 * Charts for the app's pages, drawn on the server as SVG: no script, nothing to load. Each chart is a
 * <figure> whose SVG is an image named by its title, with a caption and the same figures as a table
 * for whoever does not see the picture. Labels go through `html`, so a name can never become markup.
 */

/** One bar: its label and value, and an optional note shown after the value ("3 of 5"). */
export type Bar = { label: string; value: number; note?: string };

/** One row of stacked bars: its label and a count per category, in the chart's category order. */
export type StackedRow = { label: string; counts: number[] };

const WIDTH = 640;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 90;
const ROW = 30;
const BAR = 20;
const PAD = 8;

/** Colours that keep 3:1 against white and apart from each other, for up to ten categories. */
export const PALETTE = [
  '#0b6e4f',
  '#2f6db5',
  '#b5551d',
  '#7a4fb0',
  '#a3336d',
  '#4f7a1d',
  '#8a6d00',
  '#1d7a8a',
  '#5c5c5c',
  '#b03a2e',
];

const BAR_COLOUR = PALETTE[0] as string;

/** A label cut to fit its column; the full text stays in the table and the SVG's <title>. */
const clip = (label: string, max = 26): string =>
  label.length > max ? `${label.slice(0, max - 1)}…` : label;

const figure = (id: string, title: string, svg: SafeHtml, caption: string, figures: SafeHtml) =>
  html`<figure aria-labelledby="${id}-caption">${svg}<figcaption id="${id}-caption"><strong>${title}</strong>. ${caption}</figcaption><details><summary>The figures</summary>${figures}</details></figure>`;

const svgOpen = (id: string, title: string, height: number) =>
  html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${String(WIDTH)} ${String(height)}" width="100%" style="max-width:${String(WIDTH)}px;height:auto;font:13px system-ui,sans-serif"><title id="${id}-title">${title}</title>`;

/**
 * A horizontal bar chart: one labelled bar per entry, scaled to `max` (the largest value by
 * default), its value written at its end.
 */
export const barChart = (options: {
  id: string;
  title: string;
  caption: string;
  bars: Bar[];
  max?: number;
  valueLabel?: string;
}): SafeHtml => {
  const { id, title, caption, bars, valueLabel = 'Count' } = options;
  const max = Math.max(options.max ?? 0, ...bars.map((b) => b.value), 1);
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = bars.length * ROW + PAD * 2;
  const rows = bars.map((b, i) => {
    const y = PAD + i * ROW;
    const w = Math.round((Math.max(0, b.value) / max) * span);
    return html`<g><text x="${String(LABEL_WIDTH - 8)}" y="${String(y + BAR - 5)}" text-anchor="end" fill="#1a1a1a">${clip(b.label)}</text><rect x="${String(LABEL_WIDTH)}" y="${String(y)}" width="${String(span)}" height="${String(BAR)}" fill="#eeeeea"/><rect x="${String(LABEL_WIDTH)}" y="${String(y)}" width="${String(w)}" height="${String(BAR)}" fill="${BAR_COLOUR}"/><text x="${String(LABEL_WIDTH + span + 6)}" y="${String(y + BAR - 5)}" fill="#1a1a1a">${String(b.value)}${b.note ? ` ${b.note}` : ''}</text></g>`;
  });
  const svg = html`${svgOpen(id, title, height)}${rows}</svg>`;
  const figures = html`<table><thead><tr><th scope="col">${title}</th><th scope="col" class="num">${valueLabel}</th></tr></thead><tbody>${bars.map((b) => html`<tr><th scope="row">${b.label}</th><td class="num">${String(b.value)}${b.note ? ` ${b.note}` : ''}</td></tr>`)}</tbody></table>`;
  return figure(id, title, svg, caption, figures);
};

/**
 * Stacked bars, one per row, each split into its categories (a distribution: ratings 1 to 5 per
 * department), with a legend. `share` draws every row full width as proportions; otherwise rows
 * scale to the largest total.
 */
export const stackedBars = (options: {
  id: string;
  title: string;
  caption: string;
  categories: string[];
  rows: StackedRow[];
  share?: boolean;
}): SafeHtml => {
  const { id, title, caption, categories, rows, share = false } = options;
  const totals = rows.map((r) => r.counts.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const legendHeight = 26;
  const height = legendHeight + rows.length * ROW + PAD * 2;
  const legendStep = Math.floor(WIDTH / Math.max(categories.length, 1));
  const legend = categories.map(
    (c, i) =>
      html`<g><rect x="${String(i * legendStep)}" y="4" width="12" height="12" fill="${PALETTE[i % PALETTE.length] as string}"/><text x="${String(i * legendStep + 16)}" y="15" fill="#1a1a1a">${clip(c, 14)}</text></g>`,
  );
  const bars = rows.map((r, i) => {
    const y = legendHeight + PAD + i * ROW;
    const total = totals[i] ?? 0;
    const scale = share ? (total ? span / total : 0) : span / max;
    let x = LABEL_WIDTH;
    const parts = r.counts.map((n, k) => {
      const w = Math.round(n * scale);
      const part = n
        ? html`<rect x="${String(x)}" y="${String(y)}" width="${String(w)}" height="${String(BAR)}" fill="${PALETTE[k % PALETTE.length] as string}"/>${w >= 18 ? html`<text x="${String(x + w / 2)}" y="${String(y + BAR - 5)}" text-anchor="middle" fill="#ffffff">${String(n)}</text>` : ''}`
        : '';
      x += w;
      return part;
    });
    return html`<g><text x="${String(LABEL_WIDTH - 8)}" y="${String(y + BAR - 5)}" text-anchor="end" fill="#1a1a1a">${clip(r.label)}</text><rect x="${String(LABEL_WIDTH)}" y="${String(y)}" width="${String(span)}" height="${String(BAR)}" fill="#eeeeea"/>${parts}<text x="${String(LABEL_WIDTH + span + 6)}" y="${String(y + BAR - 5)}" fill="#1a1a1a">${String(total)}</text></g>`;
  });
  const svg = html`${svgOpen(id, title, height)}${legend}${bars}</svg>`;
  const figures = html`<table><thead><tr><th scope="col">${title}</th>${categories.map((c) => html`<th scope="col" class="num">${c}</th>`)}<th scope="col" class="num">Total</th></tr></thead><tbody>${rows.map((r, i) => html`<tr><th scope="row">${r.label}</th>${r.counts.map((n) => html`<td class="num">${String(n)}</td>`)}<td class="num">${String(totals[i] ?? 0)}</td></tr>`)}</tbody></table>`;
  return figure(id, title, svg, caption, figures);
};

/**
 * A small progress bar beside a figure written in text ("12 of 20"): decoration only, so it is
 * hidden from assistive technology, which reads the text.
 */
export const progressBar = (done: number, total: number, width = 80): SafeHtml => {
  const w = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return html`<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" width="${String(width)}" height="10" viewBox="0 0 ${String(width)} 10" style="vertical-align:middle"><rect width="${String(width)}" height="10" rx="2" fill="#e2e2de"/><rect width="${String(w)}" height="10" rx="2" fill="${BAR_COLOUR}"/></svg>`;
};
