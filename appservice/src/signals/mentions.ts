/** Who a message mentions, by the three ways Matrix clients mention someone. */
export interface MentionCandidate {
  userId: string;
  displayName: string;
}

/**
 * The candidates a message mentions: intentional mentions (`m.mentions.user_ids`), a
 * pill (a matrix.to link to the user in `formatted_body`), or the user id or display
 * name written in the body (whole words, any case).
 */
export function findMentions(
  content: Record<string, unknown>,
  candidates: readonly MentionCandidate[],
): MentionCandidate[] {
  const mentions = content["m.mentions"];
  const intentional = new Set(
    typeof mentions === "object" && mentions !== null && Array.isArray((mentions as { user_ids?: unknown }).user_ids)
      ? (mentions as { user_ids: unknown[] }).user_ids.filter((id): id is string => typeof id === "string")
      : [],
  );
  const body = typeof content.body === "string" ? stripReplyFallback(content.body) : "";
  const formatted = typeof content.formatted_body === "string" ? content.formatted_body : "";
  return candidates.filter(
    (candidate) =>
      intentional.has(candidate.userId) ||
      formatted.includes(`matrix.to/#/${candidate.userId}`) ||
      formatted.includes(`matrix.to/#/${encodeURIComponent(candidate.userId)}`) ||
      containsWord(body, candidate.userId) ||
      (candidate.displayName.length > 0 && containsWord(body, candidate.displayName)),
  );
}

/** Reply fallbacks quote the earlier message with "> " lines; a quoted mention is not a new one. */
export function stripReplyFallback(body: string): string {
  const lines = body.split("\n");
  let index = 0;
  while (index < lines.length && lines[index]!.startsWith("> ")) index++;
  if (index > 0 && lines[index] === "") index++;
  return lines.slice(index).join("\n");
}

function containsWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_@])@?${escaped}(?=$|[^\\p{L}\\p{N}_])`, "iu").test(text);
}

/** The thread a message belongs to, if any. */
export function threadRootOf(content: Record<string, unknown>): string | null {
  const relation = content["m.relates_to"];
  if (typeof relation !== "object" || relation === null) return null;
  const { rel_type, event_id } = relation as { rel_type?: unknown; event_id?: unknown };
  return rel_type === "m.thread" && typeof event_id === "string" ? event_id : null;
}

export function isEdit(content: Record<string, unknown>): boolean {
  const relation = content["m.relates_to"];
  return (
    typeof relation === "object" && relation !== null && (relation as { rel_type?: unknown }).rel_type === "m.replace"
  );
}

/** The event a message replies to (`m.in_reply_to`), if any. */
export function replyTargetOf(content: Record<string, unknown>): string | null {
  const relation = content["m.relates_to"];
  if (typeof relation !== "object" || relation === null) return null;
  const inReplyTo = (relation as { "m.in_reply_to"?: { event_id?: unknown } })["m.in_reply_to"];
  return typeof inReplyTo?.event_id === "string" ? inReplyTo.event_id : null;
}
