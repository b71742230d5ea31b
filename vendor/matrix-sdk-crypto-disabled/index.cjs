"use strict";
// matrix-bot-sdk requires this module at import time but only uses it when end-to-end
// encryption is enabled. aachat does not enable encryption; if anything ever tries,
// fail loudly instead of silently sending unencrypted or dropping messages.
const message =
  "End-to-end encryption is not supported by aachat (the Matrix Rust crypto binding is not installed). " +
  "Disable encryption for the appservice and its rooms.";

function fail() {
  throw new Error(message);
}

const disabled = new Proxy(fail, {
  get(_target, property) {
    if (property === "__esModule") return false;
    if (property === "then") return undefined;
    if (typeof property === "symbol") return undefined;
    return new Proxy(fail, { construct: fail, apply: fail, get: fail });
  },
  construct: fail,
  apply: fail,
});

module.exports = disabled;
