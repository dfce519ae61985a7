import { describe, expect, it } from 'vitest';
import { barChart, PALETTE, progressBar, stackedBars } from '../../functions/api/pages/charts';

/* The app's server-drawn charts: their bars follow the figures, labels are escaped, each has a text alternative. */

const widths = (svg: string | { value: string }, fill: string) =>
  [
    ...(typeof svg === 'string' ? svg : svg.value).matchAll(
      new RegExp(`<rect [^>]*width="(\\d+)"[^>]*fill="${fill}"`, 'g'),
    ),
  ].map((m) => Number(m[1]));

describe('barChart', () => {
  it('draws each bar in proportion to its value against the maximum given', () => {
    // Act
    const out = barChart({
      id: 'funnel',
      title: 'Participants at each step',
      caption: 'How many reached each step.',
      bars: [
        { label: 'Launched', value: 10 },
        { label: 'Self-assessment done', value: 5 },
        { label: 'Calibrated', value: 0 },
      ],
      max: 20,
    }).value;

    // Assess: the bar area is 360 wide, so 10 of 20 is 180 and 5 of 20 is 90.
    expect(widths(out, PALETTE[0] as string)).toEqual([180, 90, 0]);
  });

  it('scales to the largest value when no maximum is given', () => {
    const out = barChart({
      id: 'c',
      title: 'T',
      caption: 'C',
      bars: [
        { label: 'a', value: 4 },
        { label: 'b', value: 2 },
      ],
    }).value;

    expect(widths(out, PALETTE[0] as string)).toEqual([360, 180]);
  });

  it('names the image by its title and gives the same figures as a table', () => {
    const out = barChart({
      id: 'funnel',
      title: 'Participants at each step',
      caption: 'How many reached each step.',
      bars: [{ label: 'Released', value: 3, note: 'of 4' }],
    }).value;

    expect(out).toMatch(/^<figure aria-labelledby="funnel-caption">/);
    expect(out).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="funnel-title"',
    );
    expect(out).toContain('<title id="funnel-title">Participants at each step</title>');
    expect(out).toContain('<figcaption id="funnel-caption">');
    expect(out).toContain('<tr><th scope="row">Released</th><td class="num">3 of 4</td></tr>');
  });

  it('escapes labels everywhere they appear, and clips long ones only in the picture', () => {
    const label = '<script>alert("x")</script> & a very long department name indeed';

    const out = barChart({ id: 'x', title: 'T', caption: 'C', bars: [{ label, value: 1 }] }).value;

    expect(out).not.toContain('<script>');
    expect(out).toContain(
      '<th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; a very long department name indeed</th>',
    );
    expect(out).toContain('>&lt;script&gt;alert(&quot;x&quot;)&lt;/scrip…</text>');
  });
});

describe('stackedBars', () => {
  const rows = [
    { label: 'Engineering', counts: [1, 2, 1] },
    { label: 'Sales', counts: [0, 0, 2] },
  ];
  const ratings = (options: { categories?: string[]; share?: boolean } = {}) =>
    stackedBars({ id: 'd', title: 'Ratings', caption: 'C', categories: ['1', '2', '3'], rows, ...options })
      .value;

  it('splits each row into its categories, scaled to the largest total', () => {
    const out = ratings();

    // Engineering has 4 (the largest): 90 a person; Sales' two 3s are 180, and its empty categories draw nothing.
    expect(widths(out, PALETTE[0] as string).slice(1)).toEqual([90]);
    expect(widths(out, PALETTE[1] as string).slice(1)).toEqual([180]);
    expect(widths(out, PALETTE[2] as string).slice(1)).toEqual([90, 180]);
  });

  it('draws every row full width as shares when asked', () => {
    const out = ratings({ share: true });

    expect(widths(out, PALETTE[2] as string).slice(1)).toEqual([90, 360]);
  });

  it('has a legend and a table with each category and the totals', () => {
    const out = ratings({ categories: ['Low', 'Mid', 'High'] });

    expect(out).toContain('>Low</text>');
    expect(out).toContain(
      '<tr><th scope="row">Engineering</th><td class="num">1</td><td class="num">2</td><td class="num">1</td><td class="num">4</td></tr>',
    );
    expect(out).toContain('<th scope="col" class="num">Total</th>');
  });
});

describe('progressBar', () => {
  it('fills its share of the width, never more than all of it, and is hidden from assistive technology', () => {
    expect(widths(progressBar(3, 4), PALETTE[0] as string)).toEqual([60]);
    expect(widths(progressBar(9, 4), PALETTE[0] as string)).toEqual([80]);
    expect(widths(progressBar(0, 0), PALETTE[0] as string)).toEqual([0]);
    expect(progressBar(1, 2).value).toContain('aria-hidden="true"');
  });
});
