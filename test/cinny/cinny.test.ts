import { randomBytes } from "node:crypto";
import type { MatrixEvent } from "matrix-js-sdk";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { joinRoom, markDirect } from "@aachat/api";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import type { ProjectScene } from "../support/projectScene.ts";
import { asPuppet } from "../support/puppets.ts";
import { runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { startSyncedClient } from "../support/syncedClient.ts";
import { waitForMembership, waitForRoomEvent } from "../support/waits.ts";
import { launchChromium } from "../console/browser.ts";
import { CinnyPage } from "./cinnyPage.ts";
import { findCinnyDir, serveCinny, type CinnyServer } from "./cinnyServer.ts";

// Cinny is test tooling beside the checkout (AGPL, never copied in): without it there is
// nothing to drive. CI on this machine has it at /work/shared/clients/cinny/www.
const cinnyDir = findCinnyDir();

describe.skipIf(!cinnyDir)("aachat in Cinny, a Matrix client nobody here wrote", () => {
  let running: TestAppservice;
  let server: CinnyServer;
  let browser: Browser;
  let cinny: CinnyPage;
  let scene: ProjectScene;
  let helper: RunningAgent;
  let spaceRoomId: string;
  let streamRoomId: string;
  const username = `dana-${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("hex");

  const projectRoute = () => `/${encodeURIComponent(spaceRoomId)}/${encodeURIComponent(scene.roomId)}/`;

  beforeAll(async () => {
    const stack = inject("stack");
    running = await startTestAppservice();
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username,
      password,
    });
    const client = await startSyncedClient({ baseUrl: stack.homeserverUrl, ...registered });
    const dana = { userId: registered.userId, accessToken: registered.accessToken, client };
    const api = apiAs(dana, running.appservice.url);
    const slug = uniqueName("crew");
    const me = (await api<{ personalTeam: { spaceRoomId: string } }>("GET", "/me")).body;
    spaceRoomId = (await api<{ spaceRoomId: string }>("POST", "/teams", { slug, name: "Friday Crew" })).body
      .spaceRoomId;
    streamRoomId = (await api<{ roomId: string }>("POST", `/teams/${slug}/streams`, { name: "general" })).body.roomId;
    const projectRoomId = (await api<{ roomId: string }>("POST", `/teams/${slug}/projects`, { name: "site" })).body
      .roomId;
    // What the CLI and the console do after making these: the person joins, with their own login.
    const login = { homeserverUrl: stack.homeserverUrl, userId: dana.userId, accessToken: dana.accessToken };
    for (const roomId of [me.personalTeam.spaceRoomId, spaceRoomId, streamRoomId, projectRoomId]) {
      await joinRoom(login, roomId);
    }
    scene = { alice: dana, api, slug, project: "site", roomId: projectRoomId };
    helper = await runningAgent(scene, running.appservice.url, { prefix: "helper", displayName: "Helper" });
    await joinRoom(login, helper.dmRoomId);
    await markDirect(login, [{ userId: helper.agent.userId, roomId: helper.dmRoomId }]);
    // The agent reads the humans_only stream: invited, it joins as itself.
    await client.invite(streamRoomId, helper.agent.userId);
    await asPuppet(running.registration, helper.agent.userId, "POST", `/join/${encodeURIComponent(streamRoomId)}`, {});
    await waitForMembership(client, streamRoomId, helper.agent.userId, "join");

    server = await serveCinny(cinnyDir!, stack.homeserverUrl);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 960 } });
    cinny = new CinnyPage(await context.newPage(), server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("signs in, and the team's space is in the sidebar with its stream and project joined", async () => {
    await cinny.signIn(username, password);
    // Joined, not invited: nothing waits in the inbox.
    await cinny.openRoute("/inbox/invites/");
    await cinny.page.getByText("No Pending Invitations").waitFor();
    await cinny.sidebarSpace(spaceRoomId).click();
    await cinny.page.getByText("Friday Crew").first().waitFor();
    await cinny.screenshot("01-space");
    // Cinny 4.2.2 predates room version 12 (Synapse's default): it takes only `!id:server`
    // for a room id, so it lists no rooms under the space. They open by their route, joined:
    // the composer shows, not a Join button.
    await cinny.openRoute(`/${encodeURIComponent(spaceRoomId)}/${encodeURIComponent(streamRoomId)}/`);
    await cinny.page.getByText("Stream (humans only: agents can read but not post)").first().waitFor();
    await cinny.composer().waitFor();
    await cinny.openRoute(projectRoute());
    await cinny.page.getByText("Project", { exact: true }).first().waitFor();
    await cinny.composer().waitFor();
    await cinny.screenshot("02-project");
  });

  it("mentions the agent with a pill from the @ autocomplete; its answer streams into one message", async () => {
    const answer =
      "First, freeze the branch. Then run the release checks. Then tag it. Finally, announce it to the team.";
    const asked = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: scene.alice.userId,
    });
    const firstPost = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      timeoutMs: 30_000,
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, () => true, 45_000);
    await cinny.mention("Hel", helper.agent.userId);
    await cinny.screenshot("03-mention-pill");
    await cinny.typeAndSend(` what is the release plan? [reply:${answer}][chunks:10][delay:400]`);
    const mention = await asked;
    expect(mention.getContent().formatted_body).toContain(`https://matrix.to/#/${helper.agent.userId}`);
    const first = (await firstPost).getId()!;
    await cinny.waitForMessage(first, "Then run the release checks.");
    await cinny.screenshot("04-answer-streaming");
    const final = await reply;
    expect(final.eventId).toBe(first);
    await cinny.waitForMessage(first, "announce it to the team.");
    await cinny.screenshot("05-answer-final");
    expect(final.versions.length).toBeGreaterThan(2);
    // One message that grew: no item for an edit, and the text nowhere else but the question.
    const others = cinny.page.locator(`[data-message-id]:not([data-message-id="${mention.getId()}"])`);
    expect(await others.filter({ hasText: "First, freeze the branch." }).count()).toBe(1);
    expect(await cinny.messages().filter({ hasText: "* First" }).count()).toBe(0);
  });

  it("replies in a thread, and the agent answers in that thread", async () => {
    // Cinny 4.2.2 cannot start a thread; the thread comes from another client (Element,
    // or the person's phone), and Cinny keeps it when replying to a message in it.
    const root = await sendContent(scene.alice, scene.roomId, { msgtype: "m.text", body: "Release notes for 2.0" });
    const inThread = await sendContent(scene.alice, scene.roomId, {
      msgtype: "m.text",
      body: "The draft is in docs/release.md",
      "m.relates_to": {
        rel_type: "m.thread",
        event_id: root.event_id,
        is_falling_back: true,
        "m.in_reply_to": { event_id: root.event_id },
      },
    });
    await cinny.waitForMessage(inThread.event_id);
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("Looks complete"),
    );
    await cinny.replyTo(inThread.event_id);
    await cinny.mention("Hel", helper.agent.userId);
    await cinny.typeAndSend(" does it look complete? [tool:Read docs/release.md][plan][reply:Looks complete to me.]");
    const final = await reply;
    expect(final.content["m.relates_to"]).toMatchObject({ rel_type: "m.thread", event_id: root.event_id });
    await cinny.waitForMessage(final.eventId, "Looks complete to me.");
    await cinny.screenshot("06-thread-answer");
  });

  it("asks for a permission with reactions, and a click on one in Cinny answers it", async () => {
    const question = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).startsWith("🔐"),
      timeoutMs: 30_000,
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.startsWith("permission:"),
    );
    await cinny.mention("Hel", helper.agent.userId);
    await cinny.typeAndSend(" clean the build folder [permission]");
    const questionId = (await question).getId()!;
    await cinny.waitForMessage(questionId, "Permission needed");
    const allowOnce = cinny.reaction(questionId, "1️⃣");
    await allowOnce.waitFor();
    await cinny.reaction(questionId, "3️⃣").waitFor();
    await cinny.screenshot("07-permission-asked");
    await allowOnce.click();
    const final = await reply;
    expect(final.body).toBe("permission: allow_once");
    await cinny.waitForMessage(questionId, "Allow once, answered by");
    await cinny.waitForMessage(final.eventId, "permission: allow_once");
    await cinny.screenshot("08-permission-answered");
  });

  it("stops a running turn with a 🛑 reaction added in Cinny", async () => {
    const working = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).includes("working"),
      timeoutMs: 30_000,
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("Stopped"),
    );
    await cinny.mention("Hel", helper.agent.userId);
    await cinny.typeAndSend(" rebuild everything [hang]");
    const answerId = (await working).getId()!;
    await cinny.waitForMessage(answerId, "working");
    await cinny.react(answerId, "🛑", "stop sign");
    const final = await reply;
    expect(final.eventId).toBe(answerId);
    await cinny.waitForMessage(answerId, "Stopped by");
    await cinny.screenshot("09-stopped");
  });

  it("edits a message to add the mention it forgot, and the agent answers that message", async () => {
    const asked = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: scene.alice.userId,
      where: (event) => String(event.getContent().body).startsWith("when do we ship?"),
    });
    await cinny.typeAndSend("when do we ship? [reply:On Friday, after the checks.]");
    const questionId = (await asked).getId()!;
    const question = cinny.messages().filter({ hasText: "when do we ship?" });
    // Its content as sent: once the answer's final edit arrives, getContent() gives the edit's.
    const repliesToQuestion = (event: MatrixEvent) =>
      event.getWireContent()["m.relates_to"]?.["m.in_reply_to"]?.event_id === questionId;
    const answered = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: repliesToQuestion,
      timeoutMs: 30_000,
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("On Friday"),
    );
    const editor = await cinny.editMessage(question);
    await editor.pressSequentially(" ");
    await cinny.mention("Hel", helper.agent.userId, editor);
    await cinny.page.keyboard.press("Enter");
    const answerId = (await answered).getId()!;
    const final = await reply;
    expect(final.eventId).toBe(answerId);
    expect(final.body).toBe("On Friday, after the checks.");
    await cinny.waitForMessage(answerId, "On Friday, after the checks.");
    await cinny.screenshot("10-edit-mention");
    // One answer to the question, though it now exists in two versions.
    const timeline = scene.alice.client.getRoom(scene.roomId)!.getLiveTimeline().getEvents();
    const answers = timeline.filter((event) => event.getSender() === helper.agent.userId && repliesToQuestion(event));
    expect(answers.map((event) => event.getId())).toEqual([answerId]);
  });

  it("opens the agent's DM from the Direct Messages list and gets an answer there", async () => {
    await cinny.openRoute("/direct/");
    await cinny.page.getByText("Direct Messages", { exact: true }).waitFor();
    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId);
    // Listed under the agent's name, as a person.
    await cinny.page.getByText("Helper", { exact: true }).first().click();
    await cinny.page.getByText("Direct messages with Helper").first().waitFor();
    await cinny.typeAndSend("what can you do? [reply:I can answer here too.]");
    const final = await reply;
    expect(final.body).toBe("I can answer here too.");
    await cinny.waitForMessage(final.eventId, "I can answer here too.");
    await cinny.screenshot("11-dm");
  });

  it("shows !help, a diff under its tool line and the cost footer readably", async () => {
    // In the agent's DM, still open from the test before.
    const help = waitForRoomEvent(scene.alice.client, {
      roomId: helper.dmRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).includes("!mode"),
    });
    await cinny.typeAndSend("!help");
    const helpId = (await help).getId()!;
    await cinny.waitForMessage(helpId, "!mode");
    await cinny.screenshot("12-help");

    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId, (body) =>
      body.includes("Changed the greeting."),
    );
    await cinny.typeAndSend(
      "change the greeting [diff:src/greeting.ts:4][usage:2400:0.012][reply:Changed the greeting.]",
    );
    const final = await reply;
    expect(final.html).toContain("<details><summary>src/greeting.ts +4 −4</summary>");
    const message = await cinny.waitForMessage(final.eventId, "Changed the greeting.");
    await message.getByText("src/greeting.ts +4 −4").waitFor();
    await message.getByText("2.4k tokens · $0.012 · session").waitFor();
    await cinny.screenshot("13-diff-and-footer");
    // Opened, the diff reads as a diff: removed and added lines under the summary.
    await message.getByText("src/greeting.ts +4 −4").click();
    const diff = message.locator("pre").filter({ hasText: /^-/m }).first();
    await diff.waitFor();
    await diff.evaluate((pre) => pre.scrollIntoView({ block: "end" }));
    await cinny.screenshot("14-diff-open");
  });

  it("shows a humans_only stream where the agent reads but cannot post", async () => {
    await cinny.openRoute(`/${encodeURIComponent(spaceRoomId)}/${encodeURIComponent(streamRoomId)}/`);
    await cinny.page.getByText("Stream (humans only: agents can read but not post)").first().waitFor();
    await cinny.typeAndSend("Lunch at noon, humans only.");
    const attempt = await asPuppet(
      running.registration,
      helper.agent.userId,
      "PUT",
      `/rooms/${encodeURIComponent(streamRoomId)}/send/m.room.message/cinny-${randomBytes(3).toString("hex")}`,
      { msgtype: "m.text", body: "I would like to join lunch" },
    );
    expect(attempt).toMatchObject({ status: 403, body: { errcode: "M_FORBIDDEN" } });
    await cinny.messages().filter({ hasText: "Lunch at noon, humans only." }).waitFor();
    expect(await cinny.page.locator(`[data-message-id] [data-user-id="${helper.agent.userId}"]`).count()).toBe(0);
    expect(await cinny.messages().filter({ hasText: "I would like to join lunch" }).count()).toBe(0);
    await cinny.screenshot("15-humans-only");
  });
});
