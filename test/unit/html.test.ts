import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../domain/platform/html';

describe('escapeHtml', () => {
  it('escapes each of the five characters that carry meaning in HTML', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('escapes an ampersand once, so existing entities stay visible as text', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('leaves ordinary text unchanged', () => {
    expect(escapeHtml('Åse Ødegård, 3 reports')).toBe('Åse Ødegård, 3 reports');
  });
});

describe('html', () => {
  it('escapes every interpolated string', () => {
    // Prepare
    const name = `<img src=x onerror="alert('x')">`;

    // Act
    const out = html`<p title="${name}">${name}</p>`.value;

    // Assess
    expect(out).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;</p>',
    );
  });

  it('inserts markup built by html as it is, without escaping it a second time', () => {
    // Prepare
    const inner = html`<strong>${'Tom & Jerry'}</strong>`;

    // Act
    const out = html`<p>${inner}</p>`.value;

    // Assess
    expect(out).toBe('<p><strong>Tom &amp; Jerry</strong></p>');
  });

  it('joins arrays, escaping strings and keeping nested markup', () => {
    // Act
    const out = html`<ul>${['<b>', html`<li>${'a<b'}</li>`, ['&', html`<li>deep</li>`]]}</ul>`.value;

    // Assess
    expect(out).toBe('<ul>&lt;b&gt;<li>a&lt;b</li>&amp;<li>deep</li></ul>');
  });

  it('renders numbers and leaves out undefined and null', () => {
    expect(html`<td>${3}</td><td>${undefined}</td><td>${null}</td>`.value).toBe(
      '<td>3</td><td></td><td></td>',
    );
  });

  it('returns SafeHtml whose string form is the markup', () => {
    // Act
    const out = html`<p>${'x'}</p>`;

    // Assess
    expect(out).toBeInstanceOf(SafeHtml);
    expect(String(out)).toBe('<p>x</p>');
  });
});
