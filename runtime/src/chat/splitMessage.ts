import { MAX_MESSAGE_BYTES } from "@aachat/protocol";

/** Room left under the protocol's limit for what an edit adds around the text. */
const MARGIN_BYTES = 256;

/**
 * Splits a long answer into message-sized parts, at a paragraph, line or word boundary
 * when there is one. The split of a text's beginning does not depend on what follows it,
 * so a streamed answer's earlier parts stay put as it grows.
 */
export function splitMessage(text: string, maxBytes = MAX_MESSAGE_BYTES - MARGIN_BYTES): string[] {
  const parts: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest) > maxBytes) {
    const window = prefixWithin(rest, maxBytes);
    const cut = bestCut(window);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function prefixWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

function bestCut(window: string): number {
  const half = Math.floor(window.length / 2);
  for (const boundary of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(boundary);
    if (at >= half) return at + boundary.length;
  }
  return window.length;
}
