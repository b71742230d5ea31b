import { describe, expect, it } from "vitest";
import { computeRegistrationMac } from "../src/index.ts";

// Expected values computed independently with Python's hmac module, as in Synapse's register_new_matrix_user.
describe("computeRegistrationMac", () => {
  const base = {
    sharedSecret: "test-shared-secret",
    nonce: "abcdef0123456789",
    username: "alice",
    password: "correct horse battery staple",
  };

  it("matches Synapse's HMAC-SHA1 for an admin user", () => {
    expect(computeRegistrationMac({ ...base, admin: true })).toBe("0437246605ee4b382ca0d445311e1f2c43bfb190");
  });

  it("matches Synapse's HMAC-SHA1 for a normal user", () => {
    expect(computeRegistrationMac({ ...base, admin: false })).toBe("7f2715cdc28fb90b184feca49a0d706852219303");
  });
});
