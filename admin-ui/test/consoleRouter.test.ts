import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleRouter } from "../src/server/consoleRouter.ts";

describe("consoleRouter", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use("/", consoleRouter({ homeserverUrl: "http://127.0.0.1:8008", serverName: "example.org" }));
    app.get("/api/v1/ping", (_req, res) => void res.json({ pong: true }));
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("serves the shell with a CSP that allows scripts only from itself and connections to the homeserver", async () => {
    const response = await fetch(`${url}/`);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8008");
    const html = await response.text();
    expect(html).toContain("<aachat-app></aachat-app>");
    expect(html).toContain('<script type="module" src="/console.js"></script>');
    expect(html).not.toMatch(/<script>|<style>|style=/);
  });

  it("serves its config", async () => {
    const response = await fetch(`${url}/console/config.json`);
    expect(await response.json()).toEqual({ homeserverUrl: "http://127.0.0.1:8008", serverName: "example.org" });
  });

  it("bundles the console once and serves it as JavaScript", async () => {
    const first = await fetch(`${url}/console.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const body = await first.text();
    expect(body).toContain("aachat-app");
    expect(await (await fetch(`${url}/console.js`)).text()).toBe(body);
  });

  it("leaves other paths to the routers after it", async () => {
    expect(await (await fetch(`${url}/api/v1/ping`)).json()).toEqual({ pong: true });
  });
});
