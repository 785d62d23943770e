import MarkdownIt from 'markdown-it';
import { SaxesParser } from 'saxes';

export interface RenderedTable {
  header: string[];
  rows: string[][];
}

export interface RenderedSummary {
  /** The HTML GitHub would show (GFM: tables, raw HTML allowed, bare URLs linked). */
  html: string;
  /** Every element name, in document order. */
  elements: string[];
  headings: string[];
  paragraphs: string[];
  tables: RenderedTable[];
}

const markdown = new MarkdownIt({ html: true, linkify: true, xhtmlOut: true });

/**
 * Renders a job summary the way GitHub does (GitHub Flavored Markdown with HTML) and reads back
 * its structure with a strict XML parser: an unclosed cell, a stray tag or a blank line that ends
 * the HTML block shows up as a parse error, an extra element (img, a) or a wrong cell count.
 */
export function renderSummaryMarkdown(text: string): RenderedSummary {
  const html = markdown.render(text);
  const result: RenderedSummary = { html, elements: [], headings: [], paragraphs: [], tables: [] };
  const parser = new SaxesParser();
  const stack: { name: string; text: string }[] = [];
  let table: RenderedTable | undefined;
  let row: string[] | undefined;
  let inHead = false;
  parser.on('error', (error) => {
    throw new Error(`The rendered summary is not well-formed HTML: ${error.message}\n${html}`);
  });
  parser.on('opentag', (tag) => {
    result.elements.push(tag.name);
    stack.push({ name: tag.name, text: '' });
    if (tag.name === 'table') table = { header: [], rows: [] };
    if (tag.name === 'thead') inHead = true;
    if (tag.name === 'tr') row = [];
  });
  parser.on('text', (t) => {
    for (const open of stack) open.text += t;
  });
  parser.on('closetag', (tag) => {
    const open = stack.pop()!;
    const content = open.text.replace(/\s+/g, ' ').trim();
    if (/^h[1-6]$/.test(tag.name)) result.headings.push(content);
    if (tag.name === 'p') result.paragraphs.push(content);
    if ((tag.name === 'td' || tag.name === 'th') && row) row.push(content);
    if (tag.name === 'tr' && row && table) {
      if (inHead) table.header.push(...row);
      else table.rows.push(row);
      row = undefined;
    }
    if (tag.name === 'thead') inHead = false;
    if (tag.name === 'table' && table) {
      result.tables.push(table);
      table = undefined;
    }
  });
  parser.write(`<root>${html}</root>`).close();
  return result;
}

/** Every row has as many cells as the header (or as the first row, for a table without header). */
export function expectRectangular(table: RenderedTable): void {
  const width = table.header.length || table.rows[0]?.length;
  for (const row of table.rows) {
    if (row.length !== width) throw new Error(`A row has ${row.length} cells, the table ${width}: ${JSON.stringify(row)}`);
  }
}
