import { Marked, type Tokens } from "marked";

const SAFE_LINK = /^(https?:|mailto:|matrix:)/i;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Markdown as the HTML of a Matrix message (`formatted_body`). Agents answer in Markdown;
 * raw HTML in it is shown as text, links keep only web, mail and Matrix targets, and
 * images become links (Matrix shows only mxc:// images).
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
    image(token: Tokens.Image): string {
      const label = escapeHtml(token.text || token.href);
      return SAFE_LINK.test(token.href) ? `<a href="${escapeHtml(token.href)}">${label}</a>` : label;
    },
  },
});

export function markdownToHtml(text: string): string {
  return (markdown.parse(text) as string).trim();
}
