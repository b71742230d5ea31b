import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Attachment } from "@aachat/protocol";
import { runGit } from "@aachat/agent-repo";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { MediaDownloadError, type DownloadedFile, type MediaSource } from "../src/chat/MediaDownloads.ts";
import { prepareAttachments } from "../src/turns/attachmentBlocks.ts";

const MB = 1024 * 1024;

/** Files by event id, as the appservice would serve them; records what was asked for. */
class Served implements MediaSource {
  readonly asked: string[] = [];
  constructor(private readonly files: Record<string, DownloadedFile>) {}
  download(_roomId: string, eventId: string, maxBytes: number): Promise<DownloadedFile> {
    this.asked.push(eventId);
    const file = this.files[eventId];
    if (!file) return Promise.reject(new MediaDownloadError("no such message", false));
    if (file.bytes.length > maxBytes) return Promise.reject(new MediaDownloadError("too large", true));
    return Promise.resolve(file);
  }
}

const attachment = (eventId: string, name: string, mimetype: string, size: number | null): Attachment => ({
  kind: mimetype.startsWith("image/") ? "image" : "file",
  roomId: "!room:aachat.test",
  eventId,
  name,
  mimetype,
  size,
});

async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "attachments-"));
  await runGit(dir, ["init", "--quiet"]);
  return dir;
}

const log = pino({ level: "silent" });

describe("prepareAttachments", () => {
  it("saves an image as a file when the agent does not take images, or when it is over 5 MB", async () => {
    const small = Buffer.from("png-bytes");
    const large = Buffer.alloc(6 * MB, 1);
    const media = new Served({
      $small: { bytes: small, mimetype: "image/png" },
      $large: { bytes: large, mimetype: "image/png" },
    });
    const dir = await workspace();
    const blind = await prepareAttachments([attachment("$small", "a.png", "image/png", small.length)], {
      media,
      workspace: dir,
      capabilities: { image: false },
      log,
    });
    expect(blind.blocks).toMatchObject([{ type: "resource_link", name: "a.png", mimeType: "image/png" }]);
    const big = await prepareAttachments([attachment("$large", "b.png", "image/png", large.length)], {
      media,
      workspace: dir,
      capabilities: { image: true },
      log,
    });
    expect(big.refused).toEqual([]);
    const link = big.blocks[0];
    expect(link).toMatchObject({ type: "resource_link", name: "b.png", size: large.length });
    // equals(), not toEqual: a deep comparison of 6 MB byte by byte takes a minute.
    const saved = await readFile(fileURLToPath(link?.type === "resource_link" ? link.uri : ""));
    expect(saved.equals(large)).toBe(true);
  });

  it("embeds small text only, and only for agents that take embedded context", async () => {
    const media = new Served({
      $text: { bytes: Buffer.from("hello\n"), mimetype: "text/plain; charset=utf-8" },
      $binary: { bytes: Buffer.from([0, 159, 146, 150]), mimetype: "application/octet-stream" },
    });
    const dir = await workspace();
    const files = [attachment("$text", "a.txt", "text/plain", 6), attachment("$binary", "b.bin", "", 4)];
    const embedded = await prepareAttachments(files, {
      media,
      workspace: dir,
      capabilities: { embeddedContext: true },
      log,
    });
    expect(embedded.blocks.map((block) => block.type)).toEqual(["resource_link", "resource", "resource_link"]);
    expect(embedded.blocks[1]).toMatchObject({ resource: { mimeType: "text/plain", text: "hello\n" } });
    const linkedOnly = await prepareAttachments(files, { media, workspace: dir, capabilities: {}, log });
    expect(linkedOnly.blocks.map((block) => block.type)).toEqual(["resource_link", "resource_link"]);
  });

  it("refuses a file declared over 10 MB without downloading it, and says why for each refusal", async () => {
    const media = new Served({ $liar: { bytes: Buffer.alloc(11 * MB), mimetype: "text/plain" } });
    const prepared = await prepareAttachments(
      [
        attachment("$huge", "huge.png", "image/png", 30 * MB),
        attachment("$liar", "small.log", "text/plain", 1_000),
        attachment("$gone", "gone.txt", "text/plain", 10),
      ],
      { media, workspace: await workspace(), capabilities: { image: true }, log },
    );
    expect(media.asked).toEqual(["$liar", "$gone"]);
    expect(prepared.blocks).toEqual([]);
    expect(prepared.refused).toEqual([
      "huge.png (30.0 MB): too large; files sent to an agent can be at most 10.0 MB",
      "small.log: too large; files sent to an agent can be at most 10.0 MB",
      "gone.txt: could not be downloaded (no such message)",
    ]);
  });
});
