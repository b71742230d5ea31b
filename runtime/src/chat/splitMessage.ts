import { MAX_CONTENT_BYTES, worstCaseContentBytes } from "@aachat/protocol/messageContent";

/** Kept free while searching, for the fence a part cut inside a code block gets closed with. */
const FENCE_RESERVE_BYTES = 128;
/** Below this a part could not hold even a short line with its Markdown rendering. */
const MIN_BUDGET_BYTES = 1024;

/** Where a part begins: an offset in the text, after the fence it reopens (if cut in code). */
interface PartStart {
  offset: number;
  reopen: string;
}

/**
 * Splits a long answer into parts that each fit one Matrix event, even as an edit (which
 * carries the text and its HTML twice). Cuts at a paragraph, line or word boundary when
 * there is one, outside code blocks when it can; a code block cut in two is closed at the
 * end of one part and reopened at the start of the next. The split of a text's beginning
 * depends only on a fixed window of it, not on what follows, so a streamed answer's earlier
 * parts stay put as it grows.
 */
export function splitMessage(text: string, maxBytes = MAX_CONTENT_BYTES): string[] {
  return splitFrom(text, { offset: 0, reopen: "" }, maxBytes).parts;
}

/**
 * Splits a text that grows at its end (a streamed answer), re-splitting only from its last
 * part on, since the parts before it do not change.
 */
export class GrowingSplit {
  #text = "";
  #parts: string[] = [];
  #starts: PartStart[] = [];

  constructor(private readonly maxBytes = MAX_CONTENT_BYTES) {}

  split(text: string): string[] {
    if (text === this.#text && this.#parts.length > 0) return this.#parts;
    const keep = text.startsWith(this.#text) ? Math.max(0, this.#parts.length - 1) : 0;
    const tail = splitFrom(text, this.#starts[keep] ?? { offset: 0, reopen: "" }, this.maxBytes);
    this.#text = text;
    this.#parts = [...this.#parts.slice(0, keep), ...tail.parts];
    this.#starts = [...this.#starts.slice(0, keep), ...tail.starts];
    return this.#parts;
  }
}

function splitFrom(text: string, start: PartStart, maxBytes: number): { parts: string[]; starts: PartStart[] } {
  if (maxBytes < MIN_BUDGET_BYTES) throw new Error(`a message budget of ${maxBytes} bytes is too small`);
  const parts: string[] = [];
  const starts: PartStart[] = [];
  let position = start;
  for (;;) {
    const rest = position.reopen + text.slice(position.offset);
    if (fitsWhole(rest, maxBytes)) {
      if (rest.length > 0 || parts.length === 0) {
        parts.push(rest);
        starts.push(position);
      }
      return { parts, starts };
    }
    const cut = cutPoint(rest, position.reopen.length + 1, maxBytes);
    parts.push(cut.part);
    starts.push(position);
    const offset = skipWhitespace(text, position.offset + cut.end - position.reopen.length);
    // A reopened fence with nothing left after it would be an empty code block.
    if (text.slice(offset).trim() === "") return { parts, starts };
    position = { offset, reopen: cut.reopen };
  }
}

function fitsWhole(rest: string, maxBytes: number): boolean {
  return utf8Bytes(rest) <= windowBytes(maxBytes) && worstCaseContentBytes(rest) <= maxBytes;
}

/**
 * The text appears at least twice in an edit, so no part is longer than half the budget:
 * the search for a cut looks only this far, whatever follows.
 */
function windowBytes(maxBytes: number): number {
  return Math.floor(maxBytes / 2);
}

interface Cut {
  /** The part's text, with its open code block closed. */
  part: string;
  /** Where in `rest` the part ends. */
  end: number;
  /** The fence line the next part starts with, when the cut is inside a code block. */
  reopen: string;
}

function cutPoint(rest: string, minEnd: number, maxBytes: number): Cut {
  const window = prefixWithin(rest, windowBytes(maxBytes));
  const fits = (end: number): boolean => worstCaseContentBytes(window.slice(0, end)) <= maxBytes - FENCE_RESERVE_BYTES;
  const fences = fencedBlocks(window);
  const fenceAt = (end: number): FencedBlock | undefined =>
    fences.find((block) => end >= block.bodyStart && end <= block.close);
  const cutAt = (end: number): Cut => {
    const fence = fenceAt(end);
    const head = rest.slice(0, end).trimEnd();
    if (!fence) return { part: head, end, reopen: "" };
    // Right before its closing line, the block is whole: the next part goes on after it.
    if (end === fence.close) return { part: `${head}\n${fence.closer}`, end: fence.closeEnd, reopen: "" };
    return { part: `${head}\n${fence.closer}`, end, reopen: `${fence.opener}\n` };
  };
  // The size need not grow with every character of Markdown: check each part itself.
  const firstFitting = (ends: (number | null)[]): Cut | undefined => {
    for (const end of ends) {
      if (end === null) continue;
      const cut = cutAt(end);
      if (worstCaseContentBytes(cut.part) <= maxBytes) return cut;
    }
    return undefined;
  };
  const outside = (end: number): boolean => fenceAt(end) === undefined;

  // Whole lines first: most cuts are at a line's end, and lines are far fewer than characters.
  const lineEnds = [0];
  for (let at = window.indexOf("\n"); at >= 0; at = window.indexOf("\n", at + 1)) lineEnds.push(at + 1);
  if (lineEnds.at(-1) !== window.length) lineEnds.push(window.length);
  const line = lastFitting(lineEnds, fits);
  const lines = lineEnds[line]!;
  const lineHalf = Math.max(minEnd, Math.floor(lines / 2));
  const atLine = firstFitting([
    lastBoundary(window, "\n\n", lineHalf, lines, outside),
    lastBoundary(window, "\n", lineHalf, lines, outside),
    lastBoundary(window, "\n", lineHalf, lines, (end) => !outside(end)),
  ]);
  if (atLine) return atLine;

  // A line longer than half a part: cut it at a word, or anywhere.
  const chars = codePointEnds(window, lines, lineEnds[line + 1]!);
  const limit = chars[lastFitting(chars, fits)]!;
  if (limit < minEnd) throw new Error(`a message budget of ${maxBytes} bytes is too small for this text`);
  const atWord = firstFitting([lastBoundary(window, " ", Math.max(minEnd, Math.floor(limit / 2)), limit, () => true)]);
  if (atWord) return atWord;
  const cut = cutAt(limit);
  return worstCaseContentBytes(cut.part) <= maxBytes ? cut : { part: rest.slice(0, limit), end: limit, reopen: "" };
}

/** The end of the last `boundary` that ends within [from, to] and passes `where`. */
function lastBoundary(
  window: string,
  boundary: string,
  from: number,
  to: number,
  where: (end: number) => boolean,
): number | null {
  let at = window.lastIndexOf(boundary, to - boundary.length);
  while (at >= 0 && at + boundary.length >= from) {
    const end = at + boundary.length;
    if (where(end)) return end;
    at = window.lastIndexOf(boundary, at - 1);
  }
  return null;
}

/**
 * The index of the last of `ends` (ascending prefix lengths, the first fitting and the last
 * not) whose prefix fits, by binary search.
 */
function lastFitting(ends: readonly number[], fits: (end: number) => boolean): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fits(ends[mid]!)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The ends of the code points of `text` from `from` to `to` (both included). */
function codePointEnds(text: string, from: number, to: number): number[] {
  const ends = [from];
  for (let i = from; i < to;) {
    i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    ends.push(i);
  }
  return ends;
}

interface FencedBlock {
  /** Where the code starts: after the opening fence line. */
  bodyStart: number;
  /** Where the closing fence line starts and ends (the window's end when it is not closed in it). */
  close: number;
  closeEnd: number;
  opener: string;
  closer: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks (``` or ~~~) at the top level of a Markdown text. */
function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { bodyStart: number; opener: string; marker: string } | null = null;
  let lineStart = 0;
  while (lineStart < text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const match = FENCE.exec(text.slice(lineStart, lineEnd));
    if (match) {
      const [line, marker, info] = match as unknown as [string, string, string];
      if (!open && !(marker.startsWith("`") && info.includes("`"))) {
        open = { bodyStart: lineEnd + 1, opener: line.trim(), marker };
      } else if (open && marker[0] === open.marker[0] && marker.length >= open.marker.length && info.trim() === "") {
        blocks.push({ ...open, close: lineStart, closeEnd: lineEnd, closer: open.marker });
        open = null;
      }
    }
    lineStart = lineEnd + 1;
  }
  if (open) blocks.push({ ...open, close: text.length, closeEnd: text.length, closer: open.marker });
  return blocks;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function prefixWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Bytes(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * Past the whitespace at a cut; a line's indentation stays (it may be code or a nested
 * list), only the blank lines and line end before it go.
 */
function skipWhitespace(text: string, from: number): number {
  let end = from;
  while (end < text.length && /\s/.test(text[end]!)) end++;
  // A cut after a line's end (`from - 1`) keeps the next line's indentation too.
  const newline = text.lastIndexOf("\n", end - 1);
  return newline >= from - 1 && end < text.length ? newline + 1 : end;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text);
}
