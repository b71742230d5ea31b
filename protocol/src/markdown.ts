import { Marked, type Tokens } from "marked";

const SAFE_LINK = /^(https?:|mailto:|matrix:)/i;
/**
 * A fenced block whose info string is `diff` or `console` followed by a summary (the runtime
 * writes these for a tool's file change or output) is shown collapsed under that summary.
 */
const COLLAPSED_BLOCK = /^(diff|console)\s+(\S.*)$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Markdown as the HTML of a Matrix message (`formatted_body`). Agents answer in Markdown;
 * raw HTML in it is shown as text, links keep only web, mail and Matrix targets, and
 * images become links (Matrix shows only mxc:// images). A diff or console block with a
 * summary in its info string is a collapsed `<details>`, its text escaped like any code.
 */
const markdown = /* @__PURE__ */ new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      if (!SAFE_LINK.test(token.href)) return text;
      return `<a href="${escapeHtml(token.href)}">${text}</a>`;
    },
    code({ text, lang }: Tokens.Code): string | false {
      const match = COLLAPSED_BLOCK.exec(lang ?? "");
      if (!match) return false;
      const [, language, summary] = match as unknown as [string, string, string];
      const code = `${text.replace(/\n$/, "")}\n`;
      return `<details><summary>${escapeHtml(summary)}</summary><pre><code class="language-${language}">${escapeHtml(code)}</code></pre></details>\n`;
    },
    image(token: Tokens.Image): string {
      const label = escapeHtml(token.text || token.href);
      return SAFE_LINK.test(token.href) ? `<a href="${escapeHtml(token.href)}">${label}</a>` : label;
    },
  },
});

export function markdownToHtml(text: string): string {
  return (markdown.parse(text) as string).trim();
}
