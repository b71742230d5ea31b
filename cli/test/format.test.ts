import { describe, expect, it } from "vitest";
import type { Agent, Project, Signal, StatusResponse } from "@aachat/api";
import { renderAgent, renderAgentList, renderRuntimeToken, renderSignalList } from "../src/format/agents.ts";
import { renderStatus } from "../src/format/status.ts";
import { oneLine, shortTime, table } from "../src/format/table.ts";
import { renderProjectList, renderStreamList } from "../src/format/teams.ts";

describe("table", () => {
  it("aligns columns by their widest cell and leaves no trailing blanks", () => {
    expect(
      table(
        ["NAME", "ROLE"],
        [
          ["@alice:example.org", "owner"],
          ["@bo:x", ""],
        ],
      ),
    ).toBe(["NAME                ROLE", "@alice:example.org  owner", "@bo:x"].join("\n"));
  });

  it("counts accented letters as one column", () => {
    expect(table(["A", "B"], [["é", "x"]])).toBe("A  B\né  x");
  });

  it("lines up names with emoji and CJK characters, which a terminal shows two columns wide", () => {
    expect(
      table(
        ["NAME", "OWNER"],
        [
          ["🤖 bot", "alice"],
          ["漢字", "bo"],
          ["plain", "carol"],
        ],
      ),
    ).toBe(["NAME    OWNER", "🤖 bot  alice", "漢字    bo", "plain   carol"].join("\n"));
  });
});

describe("one-line helpers", () => {
  it("flattens and shortens a message body", () => {
    expect(oneLine("hello\n\n  world", 60)).toBe("hello world");
    expect(oneLine("abcdefghij", 5)).toBe("abcd…");
  });

  it("shows an ISO time to the minute", () => {
    expect(shortTime("2024-05-01T12:03:04.000Z")).toBe("2024-05-01 12:03");
    expect(shortTime("yesterday")).toBe("yesterday");
  });
});

describe("empty lists say what to do next", () => {
  it("names the command and the team", () => {
    expect(renderProjectList([], "acme")).toBe(
      "No projects yet. Create one with `aachat project create NAME --team acme`",
    );
    expect(renderStreamList([], "~alice")).toBe(
      "No streams yet. Create one with `aachat stream create NAME --team ~alice`",
    );
    expect(renderAgentList([])).toBe("No agents yet. Create one with `aachat agent create NAME`");
    expect(renderSignalList([], "reviewer", true)).toContain("aachat agent signals reviewer --all");
  });
});

describe("resources", () => {
  const project: Project = {
    team: "acme",
    name: "website",
    roomId: "!w:example.org",
    archived: false,
    agents: ["reviewer", "writer"],
    seededFrom: null,
    createdAt: "2024-05-01T12:00:00.000Z",
  };

  it("lists projects with their agents", () => {
    expect(renderProjectList([project, { ...project, name: "old", agents: [], archived: true }], "acme")).toBe(
      [
        "PROJECT  AGENTS            STATE     ROOM",
        "website  reviewer, writer  active    !w:example.org",
        "old      -                 archived  !w:example.org",
      ].join("\n"),
    );
  });

  it("lists agents without their tokens", () => {
    const agent: Agent = {
      name: "reviewer",
      userId: "@agent_reviewer:example.org",
      owner: "@alice:example.org",
      displayName: "Reviewer",
      repoUrl: null,
      avatarUrl: null,
      dmRoomId: "!dm:example.org",
      projects: [{ team: "acme", project: "website" }],
      tokenIssuedAt: "2024-05-01T12:00:00.000Z",
      runtime: { online: false, connectedAt: null, state: null },
      createdAt: "2024-05-01T12:00:00.000Z",
    };
    const online: Agent = {
      ...agent,
      name: "builder",
      userId: "@agent_builder:example.org",
      displayName: "Builder",
      runtime: { online: true, connectedAt: "2024-05-02T08:30:00.000Z", state: null },
    };
    expect(renderAgentList([agent, online])).toBe(
      [
        "AGENT     USER                         DISPLAY NAME  PROJECTS  TOKEN                    RUNTIME",
        "reviewer  @agent_reviewer:example.org  Reviewer      1         issued 2024-05-01 12:00  offline",
        "builder   @agent_builder:example.org   Builder       1         issued 2024-05-01 12:00  online since 2024-05-02 08:30",
      ].join("\n"),
    );
    expect(renderAgent(online)).toContain("  runtime:  online since 2024-05-02 08:30");
    expect(renderAgent(agent)).toContain("  runtime:  offline");
  });

  it("shows a runtime token once, with how to replace it", () => {
    const text = renderRuntimeToken("reviewer", "secret-token", "~/.config/aachat/runtimes/reviewer.json");
    expect(text.split("secret-token")).toHaveLength(2);
    expect(text).toContain("shown only now");
    expect(text).toContain("aachat agent token rotate reviewer");
  });

  it("lists signals on one line each", () => {
    const signal: Signal = {
      id: "s1",
      agent: "reviewer",
      team: "acme",
      project: "website",
      roomId: "!w:example.org",
      eventId: "$e",
      threadRootId: null,
      sender: "@alice:example.org",
      body: "@reviewer please\nlook",
      createdAt: "2024-05-01T12:00:00.000Z",
      acknowledgedAt: null,
    };
    expect(
      renderSignalList([signal, { ...signal, team: null, project: null, acknowledgedAt: "x" }], "reviewer", false),
    ).toBe(
      [
        "TIME              WHERE         FROM                STATE    MESSAGE",
        "2024-05-01 12:00  acme/website  @alice:example.org  pending  @reviewer please look",
        "2024-05-01 12:00  DM            @alice:example.org  done     @reviewer please look",
      ].join("\n"),
    );
  });

  it("shows the status of teams and agents", () => {
    const status: StatusResponse = {
      userId: "@alice:example.org",
      teams: [{ slug: "~alice", kind: "personal", myRole: "owner", streams: 0, projects: 2 }],
      agents: [],
    };
    expect(renderStatus(status)).toBe(
      [
        "Logged in as @alice:example.org",
        "",
        "Teams",
        "  TEAM    KIND      YOUR ROLE  STREAMS  PROJECTS",
        "  ~alice  personal  owner      0        2",
        "",
        "Agents",
        "  No agents yet. Create one with `aachat agent create NAME`",
      ].join("\n"),
    );
  });
});
