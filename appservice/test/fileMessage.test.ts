import { describe, expect, it } from "vitest";
import { readFileMessage } from "../src/signals/attachments.ts";

const room = "!room:localhost";
const event = "$event";
const url = "mxc://localhost/AbCdEf123";

describe("readFileMessage", () => {
  it("reads an image sent alone: its body is its name, there is no caption", () => {
    expect(
      readFileMessage(
        { msgtype: "m.image", body: "cat.png", url, info: { mimetype: "image/png", size: 42 } },
        room,
        event,
      ),
    ).toEqual({
      attachment: { kind: "image", roomId: room, eventId: event, name: "cat.png", mimetype: "image/png", size: 42 },
      caption: "",
    });
  });

  it("takes body as the caption when filename differs from it", () => {
    const read = readFileMessage(
      { msgtype: "m.file", body: "Helper, read this", filename: "notes.txt", url, info: { mimetype: "text/plain" } },
      room,
      event,
    );
    expect(read).toMatchObject({
      caption: "Helper, read this",
      attachment: { kind: "file", name: "notes.txt", size: null },
    });
  });

  it("ignores a size that is not a whole number of bytes", () => {
    expect(
      readFileMessage({ msgtype: "m.file", body: "a", url, info: { size: -1 } }, room, event)?.attachment.size,
    ).toBeNull();
    expect(
      readFileMessage({ msgtype: "m.file", body: "a", url, info: { size: "9" } }, room, event)?.attachment.size,
    ).toBeNull();
  });

  it("is null for text, encrypted media and URLs that are not mxc://", () => {
    expect(readFileMessage({ msgtype: "m.text", body: "hi" }, room, event)).toBeNull();
    expect(readFileMessage({ msgtype: "m.image", body: "x.png", file: { url } }, room, event)).toBeNull();
    expect(
      readFileMessage({ msgtype: "m.image", body: "x.png", url: "https://example.org/x.png" }, room, event),
    ).toBeNull();
    expect(readFileMessage({ msgtype: "m.video", body: "x.mp4", url }, room, event)).toBeNull();
  });
});
