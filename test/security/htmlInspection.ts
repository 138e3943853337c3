import { parse } from 'parse5';

/**
 * Shared checks for the security suite: parses a page the way a browser would (parse5 is the
 * WHATWG parser) and reports anything that can only have come from hostile input, and any text
 * that gives away the database or the code behind the page.
 */

/** The marker every hostile payload carries; it never appears in OneRoof's own markup. */
export const MARKER = 'oneroofPwned';
export const MARKER_TAG = 'oneroof-injected';

export const HOSTILE_STRINGS = [
  `<script>${MARKER}()</script>`,
  `"><svg onload=${MARKER}()>`,
  `'><img src=x onerror=${MARKER}()>`,
  `</textarea><${MARKER_TAG}>x</${MARKER_TAG}>`,
  `</title><script>${MARKER}()</script>`,
  `<a href="javascript:${MARKER}()">click</a>`,
  `javascript:${MARKER}()`,
  `{{ 7*7 }}{% raw %}${MARKER}`,
  `' OR '1'='1`,
  `'; DROP TABLE cases; --`,
  `1; SELECT version() --`,
  `\\'; --`,
  `"${MARKER}`,
  `%00${MARKER}\u0000`,
  `Zoë Ŵyn ąę 中文 🏳️‍🌈 \u202e${MARKER}`,
  `2026-13-45`,
  `-1`,
  `99999999999999999999999`,
  `00000000-0000-0000-0000-000000000000`,
  `../../etc/passwd`,
];

/** Text that would mean a database error, a stack trace or code reached the person. */
const LEAK_PATTERNS = [
  /syntax error at or near/i,
  /violates (?:not-null|foreign key|unique|check) constraint/i,
  /relation "[^"]+" does not exist/i,
  /invalid input (?:syntax|value) for/i,
  /\bpg_[a-z_]+\b/,
  /at [\w$.<>]+ \((?:file:\/\/)?\/[^)]+\.ts:\d+:\d+\)/,
  /\bnode_modules\//,
  /\bKysely\b|\bPGlite\b|\bZodError\b/,
];

interface Node {
  nodeName: string;
  tagName?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
  value?: string;
}

export interface Finding {
  kind: string;
  detail: string;
}

/** Elements or attributes in the page that came from input rather than from OneRoof's templates. */
export function injectedMarkup(html: string): Finding[] {
  const findings: Finding[] = [];
  const walk = (node: Node) => {
    if (node.tagName) {
      const tag = node.tagName.toLowerCase();
      if (tag === MARKER_TAG) findings.push({ kind: 'element', detail: `<${tag}>` });
      for (const attribute of node.attrs ?? []) {
        // OneRoof's CSP forbids inline handlers (script-src-attr 'none'), so its templates have none.
        if (/^on/i.test(attribute.name)) findings.push({ kind: 'attribute', detail: `<${tag} ${attribute.name}="${attribute.value}">` });
        if (/^(?:href|src|action|formaction)$/i.test(attribute.name) && /^\s*javascript:/i.test(attribute.value)) {
          findings.push({ kind: 'url', detail: `<${tag} ${attribute.name}="${attribute.value}">` });
        }
      }
      if (tag === 'script') {
        const text = (node.childNodes ?? []).map((child) => child.value ?? '').join('');
        if (text.includes(MARKER)) findings.push({ kind: 'script', detail: text.slice(0, 200) });
      }
    }
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html) as unknown as Node);
  return findings;
}

export function leakedInternals(body: string): string[] {
  return LEAK_PATTERNS.filter((pattern) => pattern.test(body)).map((pattern) => `${pattern} matched: ${excerpt(body, pattern)}`);
}

function excerpt(body: string, pattern: RegExp): string {
  const match = pattern.exec(body);
  if (!match) return '';
  return body.slice(Math.max(0, match.index - 80), match.index + 120).replace(/\s+/g, ' ');
}

export interface PostForm {
  action: string;
  multipart: boolean;
  fields: { name: string; type: string; value: string; options: string[] }[];
}

/** The POST forms on a page, with their fields and the values the page offers. */
export function postForms(html: string): PostForm[] {
  const forms: PostForm[] = [];
  const attr = (node: Node, name: string) => node.attrs?.find((attribute) => attribute.name === name)?.value;
  const collect = (node: Node, form: PostForm) => {
    const tag = node.tagName?.toLowerCase();
    const name = attr(node, 'name');
    if (name && (tag === 'input' || tag === 'textarea' || tag === 'select')) {
      const type = tag === 'input' ? (attr(node, 'type') ?? 'text').toLowerCase() : tag;
      const options: string[] = [];
      if (tag === 'select') {
        const gather = (child: Node) => {
          if (child.tagName === 'option') options.push(attr(child, 'value') ?? '');
          for (const grandchild of child.childNodes ?? []) gather(grandchild);
        };
        gather(node);
      }
      const existing = form.fields.find((field) => field.name === name);
      const value = attr(node, 'value') ?? (tag === 'textarea' ? (node.childNodes ?? []).map((child) => child.value ?? '').join('') : '');
      if (existing) existing.options.push(value);
      else form.fields.push({ name, type, value: options[0] ?? value, options: options.length > 0 ? options : [value] });
    }
    for (const child of node.childNodes ?? []) collect(child, form);
  };
  const walk = (node: Node) => {
    if (node.tagName === 'form' && (attr(node, 'method') ?? 'get').toLowerCase() === 'post') {
      const form: PostForm = { action: attr(node, 'action') ?? '', multipart: (attr(node, 'enctype') ?? '').includes('multipart'), fields: [] };
      collect(node, form);
      forms.push(form);
      return;
    }
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html) as unknown as Node);
  return forms;
}
