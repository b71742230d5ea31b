import { describe, expect, it } from "vitest";
import { addressedText, isStopCommand, STOP_REACTIONS } from "../src/chat/addressedText.ts";
import { reviewer } from "./support/fixtures.ts";

const names = [reviewer.displayName, reviewer.name, reviewer.userId];

describe("addressedText: what a message says to the agent", () => {
  it("takes off the mention it starts with, however it was written", () => {
    expect(addressedText("Reviewer: Stop", names)).toBe("stop");
    expect(addressedText("@reviewer, stop", names)).toBe("stop");
    expect(addressedText("  reviewer   stop  ", names)).toBe("stop");
    expect(addressedText(`${reviewer.userId}: stop`, names)).toBe("stop");
  });

  it("drops trailing full stops and exclamation marks, and keeps the rest as said, lower-cased", () => {
    expect(addressedText("Stop it!!", names)).toBe("stop it");
    expect(addressedText("Reviewer: is it done?", names)).toBe("is it done?");
  });

  it("leaves a message that mentions the agent later as it is", () => {
    expect(addressedText("Please ask Reviewer", names)).toBe("please ask reviewer");
  });
});

describe("isStopCommand: a message that stops the agent's running turn", () => {
  it("is a stop word addressed to the agent", () => {
    for (const body of ["stop", "Reviewer: stop!", "@reviewer cancel", "abort.", "halt", "Stop it"]) {
      expect(isStopCommand(body, names), body).toBe(true);
    }
  });

  it("is not a request that merely contains one", () => {
    for (const body of ["stop the build when tests fail", "please stop", "don't stop", "Reviewer: stopwatch"]) {
      expect(isStopCommand(body, names), body).toBe(false);
    }
  });

  it("has reactions that stop a turn too, and ordinary ones that do not", () => {
    expect(STOP_REACTIONS.has("🛑")).toBe(true);
    expect(STOP_REACTIONS.has("✋")).toBe(true);
    expect(STOP_REACTIONS.has("👍")).toBe(false);
  });
});
