import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { HomeserverPingError, loadRegistration } from "@aachat/appservice";
import { isPortFree } from "@aachat/synapse";
import { startTestAppservice } from "../support/appservice.ts";

describe("appservice start-up against the homeserver", () => {
  it("pings the homeserver and stops cleanly", async () => {
    const { appservice } = await startTestAppservice();
    const health = await fetch(`${appservice.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    await appservice.close();
    expect(await isPortFree("127.0.0.1", inject("stack").appservicePort)).toBe(true);
  });

  it("refuses to start when the homeserver does not know its as_token, and leaves nothing listening", async () => {
    const registration = await loadRegistration(inject("stack").registrationFile);
    const wrong = { ...registration, as_token: "0".repeat(64) };
    const error = await startTestAppservice({ registration: wrong }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HomeserverPingError);
    expect((error as Error).message).toContain("does not accept this registration's as_token");
    expect(await isPortFree("127.0.0.1", inject("stack").appservicePort)).toBe(true);
  });

  it("refuses to start when its hs_token differs from the homeserver's", async () => {
    const registration = await loadRegistration(inject("stack").registrationFile);
    const wrong = { ...registration, hs_token: "f".repeat(64) };
    const error = await startTestAppservice({ registration: wrong }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HomeserverPingError);
    expect((error as Error).message).toContain("hs_token differs from ours");
    expect(await isPortFree("127.0.0.1", inject("stack").appservicePort)).toBe(true);
  });
});
