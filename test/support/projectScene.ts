import { apiAs, uniqueName, type Api } from "./api.ts";
import { createHuman, sendContent, type Human } from "./humans.ts";
import { waitForMembership } from "./waits.ts";

/** A human with an organisation team and a project room she has joined: where agents get mentioned. */
export interface ProjectScene {
  alice: Human;
  api: Api;
  slug: string;
  project: string;
  roomId: string;
}

export interface SceneAgent {
  name: string;
  userId: string;
  /** Its runtime token. */
  token: string;
}

export async function projectScene(appserviceUrl: string, project = "site"): Promise<ProjectScene> {
  const alice = await createHuman("alice");
  const api = apiAs(alice, appserviceUrl);
  const slug = uniqueName("team");
  await api("POST", "/teams", { slug });
  const roomId = ((await api("POST", `/teams/${slug}/projects`, { name: project })).body as { roomId: string }).roomId;
  await alice.client.joinRoom(roomId);
  return { alice, api, slug, project, roomId };
}

/** Registers an agent of alice's and (unless told not to) adds it to the project, waiting until its puppet has joined. */
export async function agentInProject(
  scene: ProjectScene,
  name: string,
  options: { displayName?: string; inProject?: boolean } = {},
): Promise<SceneAgent> {
  const body = (
    await scene.api("POST", "/agents", { name, ...(options.displayName ? { displayName: options.displayName } : {}) })
  ).body as { agent: { userId: string }; runtimeToken: string };
  const agent = { name, userId: body.agent.userId, token: body.runtimeToken };
  if (options.inProject !== false) {
    await scene.api("PUT", `/teams/${scene.slug}/projects/${scene.project}/agents/${name}`);
    await waitForMembership(scene.alice.client, scene.roomId, agent.userId, "join");
  }
  return agent;
}

/** Alice mentions the agent (an intentional mention) in the project room; resolves with the event id. */
export async function mention(scene: ProjectScene, agent: { userId: string }, body: string): Promise<string> {
  const content = { msgtype: "m.text", body, "m.mentions": { user_ids: [agent.userId] } };
  return (await sendContent(scene.alice, scene.roomId, content)).event_id;
}
