/**
 * llms.txt (llmstxt.org proposal): an H1 title (the only required part), an optional `>` summary,
 * free markdown without headings, then H2 "file list" sections whose items are
 * `- [name](url)` with optional `: notes`; an H2 named "Optional" marks skippable links.
 * A tolerant line parser: structure problems are findings, never crashes.
 */
import { clip, type FindingList } from './findings.js';

const LINK_ITEM = /^[-*+]\s+\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)(?:\s*:\s*(.*))?\s*$/;

/**
 * An ATX heading (`#` to `######`, then whitespace or the end of the line) as level and text,
 * optional closing `#`s removed. Written without a backtracking pattern: the former
 * `^(#{1,6})\s*(.*?)\s*#*\s*$` took cubic time on `# x` followed by thousands of spaces.
 */
export function parseHeading(line: string): { level: number; text: string } | undefined {
  let level = 0;
  while (level < line.length && line[level] === '#') level++;
  if (level < 1 || level > 6) return undefined;
  if (level < line.length && !/\s/.test(line[level])) return undefined;
  let text = line.slice(level).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  text = text.slice(0, end).trimEnd();
  return { level, text };
}

export interface LlmsSummary {
  title?: string;
  sections: { name: string; links: number }[];
}

export function checkLlmsTxt(bytes: Buffer, file: string, siteUrl: URL, findings: FindingList): LlmsSummary {
  const summary: LlmsSummary = { sections: [] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    findings.add('llms-encoding', 'error', file, 'llms.txt is not valid UTF-8.');
    return summary;
  }
  if (text.charCodeAt(0) === 0xfeff) {
    findings.add(
      'llms-encoding',
      'warning',
      file,
      'llms.txt starts with a UTF-8 byte order mark; markdown parsers may not see the H1 title.',
      1,
    );
    text = text.slice(1);
  }
  const lines = text.split(/\r\n|\r|\n/);
  let index = 0;
  while (index < lines.length && !lines[index].trim()) index++;
  const first = lines[index] ?? '';
  const h1 = parseHeading(first);
  if (!h1 || h1.level !== 1 || first.length === 1) {
    findings.add(
      'llms-title',
      'error',
      file,
      first.trim()
        ? `llms.txt must start with an H1 title ('# Site name'); the first line is '${clip(first.trim(), 60)}'.`
        : 'llms.txt is empty; it needs at least an H1 title (# Site name).',
      first.trim() ? index + 1 : undefined,
    );
    return summary;
  }
  if (!h1.text) findings.add('llms-title', 'error', file, 'The H1 title is empty.', index + 1);
  summary.title = h1.text;

  let section: { name: string; links: number; line: number } | undefined;
  let fenced = false;
  const closeSection = () => {
    if (section && section.links === 0) {
      findings.add(
        'llms-empty-section',
        'warning',
        file,
        `Section '${clip(section.name, 60)}' lists no links; H2 sections are file lists of '- [name](url): notes' items.`,
        section.line,
      );
    }
    if (section) summary.sections.push({ name: section.name, links: section.links });
  };
  for (let i = index + 1; i < lines.length; i++) {
    const line = lines[i];
    const number = i + 1;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !line.trim()) continue;
    const heading = parseHeading(line);
    if (heading) {
      const level = heading.level;
      if (level === 1) {
        findings.add(
          'llms-structure',
          'warning',
          file,
          `A second H1 ('${clip(heading.text, 60)}'): llms.txt has exactly one H1, the title.`,
          number,
        );
      } else if (level === 2) {
        closeSection();
        section = { name: heading.text, links: 0, line: number };
        if (!heading.text) findings.add('llms-structure', 'warning', file, 'An H2 section without a name.', number);
      } else {
        findings.add(
          'llms-structure',
          'warning',
          file,
          `H${level} heading '${clip(heading.text, 60)}': llms.txt uses only H2 headings to delimit file-list sections; tools split sections on H2 and may misread this.`,
          number,
        );
      }
      continue;
    }
    if (!section) continue; // Summary and free markdown before the first H2.
    if (/^\s*[-*+]\s/.test(line)) {
      const item = LINK_ITEM.exec(line.trim());
      if (!item) {
        findings.add(
          'llms-link',
          'warning',
          file,
          `List item '${clip(line.trim(), 60)}' is not a markdown link '- [name](url)' (optionally followed by ': notes').`,
          number,
        );
        continue;
      }
      section.links++;
      const [, name, target] = item;
      if (!name.trim()) findings.add('llms-link', 'warning', file, `The link to ${clip(target, 80)} has no name.`, number);
      if (!target) {
        findings.add('llms-link', 'error', file, `The link '${clip(name, 60)}' has no URL.`, number);
        continue;
      }
      try {
        const url = new URL(target, siteUrl);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          findings.add(
            'llms-link',
            'warning',
            file,
            `The link '${clip(name, 60)}' points to ${url.protocol} (${clip(target, 60)}), not a web page.`,
            number,
          );
        }
      } catch {
        findings.add('llms-link', 'error', file, `The link '${clip(name, 60)}' has an invalid URL '${clip(target, 80)}'.`, number);
      }
    }
  }
  closeSection();
  return summary;
}
