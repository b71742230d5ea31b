import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document } from "yaml";

export type YamlPath = readonly PropertyKey[];

export interface ParsedYaml {
  /** The plain value, or undefined when the text has syntax errors. */
  value: unknown;
  syntaxErrors: { line?: number; message: string }[];
  /** The line of the node at `path`, or of its deepest ancestor present in the text. */
  lineOf(path: YamlPath): number | undefined;
}

/**
 * Parses YAML keeping node positions, so a problem found later in the plain value can be
 * pointed back to its line. `firstLine` is the line the text starts on in its file (a
 * skill's frontmatter starts below its opening `---`).
 */
export function parseYamlWithLines(text: string, firstLine = 1): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const toFileLine = (offset: number): number => lineCounter.linePos(offset).line + firstLine - 1;
  const syntaxErrors = document.errors.map((error) => ({
    line: error.linePos ? error.linePos[0].line + firstLine - 1 : undefined,
    message: firstLineOf(error.message).replace(/ at line \d+, column \d+:?$/, ""),
  }));
  return {
    value: syntaxErrors.length > 0 ? undefined : document.toJS(),
    syntaxErrors,
    lineOf: (path) => {
      const offset = offsetOf(document, path);
      return offset === undefined ? undefined : toFileLine(offset);
    },
  };
}

function firstLineOf(message: string): string {
  return message.split("\n", 1)[0] ?? message;
}

/** A map entry is located by its key (`name:`), a list item by the item itself. */
function offsetOf(document: Document, path: YamlPath): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(step),
      );
      if (!pair) break;
      offset = startOf(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      const item = node.items[step];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function startOf(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}
