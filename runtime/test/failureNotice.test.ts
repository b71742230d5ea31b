import { RequestError } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { failureNotice, isAuthRequired } from "../src/turns/failureNotice.ts";

const context = { agentName: "scout", agentLabel: "claude-agent-acp", host: "alice-laptop" };

describe("failureNotice: what chat is told when the agent refused a prompt", () => {
  it("tells how to sign Claude Code in, on which machine, and how to restart the agent", () => {
    const notice = failureNotice(RequestError.authRequired(), context);
    expect(notice).toMatch(/^Claude Code is not signed in on alice-laptop: /);
    expect(notice).toContain("run `claude` there and sign in with /login, then `aachat agent restart scout`");
    expect(notice).toContain("CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) or ANTHROPIC_API_KEY");
    expect(notice).toContain("`aachat agent stop scout`, then `aachat agent start scout -p PROJECT`");
    expect(notice).not.toContain("could not answer");
  });

  it("recognises the error by its code, or by its message when the code was lost", () => {
    expect(isAuthRequired(new RequestError(-32000, "Sign in with an API key or a Console account"))).toBe(true);
    expect(isAuthRequired(new Error("Authentication required"))).toBe(true);
    expect(isAuthRequired({ code: -32603, message: "Internal error" })).toBe(false);
    expect(isAuthRequired("Authentication required")).toBe(false);
  });

  it("names another ACP agent instead of giving Claude Code's advice", () => {
    expect(failureNotice(RequestError.authRequired(), { ...context, agentLabel: "gemini" })).toBe(
      "gemini is not signed in on alice-laptop: sign it in there, then `aachat agent restart scout`.",
    );
  });

  it("passes any other error on as the agent said it", () => {
    expect(failureNotice(new RequestError(-32603, "scripted failure"), context)).toBe(
      "The agent could not answer: scripted failure",
    );
    expect(failureNotice({ message: "overloaded" }, context)).toBe("The agent could not answer: overloaded");
  });
});
