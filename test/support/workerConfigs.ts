import YAML from "yaml";

/** Where every process of the worker topology listens (all on 127.0.0.1). */
export interface TopologyPorts {
  nginx: number;
  mainClient: number;
  mainReplication: number;
  redis: number;
  postgres: number;
  /** The generic workers that serve clients, behind nginx; the last one also sends the appservice's transactions. */
  clientWorkers: { name: string; port: number }[];
  /** The event persister (`stream_writers.events`): replication only, clients never reach it. */
  persister: { name: string; port: number };
}

/** The worker that sends the homeserver's transactions to the appservice (`notify_appservices_from_worker`). */
export function appserviceSender(ports: TopologyPorts): string {
  return ports.clientWorkers.at(-1)!.name;
}

/**
 * The config file every Synapse process of the topology reads after the generated one and
 * aachat's overrides: PostgreSQL, Redis, the main process's listeners (client and
 * replication), where each instance is, who writes the events stream and who talks to the
 * appservice.
 */
export function sharedWorkerConfig(ports: TopologyPorts, database: string, secret: string): string {
  const host = "127.0.0.1";
  return YAML.stringify({
    listeners: [
      {
        port: ports.mainClient,
        bind_addresses: [host],
        type: "http",
        x_forwarded: true,
        resources: [{ names: ["client"], compress: false }],
      },
      { port: ports.mainReplication, bind_addresses: [host], type: "http", resources: [{ names: ["replication"] }] },
    ],
    database: {
      name: "psycopg2",
      args: { user: "postgres", host, port: ports.postgres, database, cp_min: 1, cp_max: 5 },
    },
    redis: { enabled: true, host, port: ports.redis },
    instance_map: {
      main: { host, port: ports.mainReplication },
      [ports.persister.name]: { host, port: ports.persister.port },
    },
    stream_writers: { events: [ports.persister.name] },
    notify_appservices_from_worker: appserviceSender(ports),
    worker_replication_secret: secret,
  });
}

/** One worker's own file: its name and listener. */
export function workerConfig(
  worker: { name: string; port: number },
  resource: "client" | "replication",
  logConfig: string,
): string {
  return YAML.stringify({
    worker_app: "synapse.app.generic_worker",
    worker_name: worker.name,
    worker_listeners: [
      {
        type: "http",
        port: worker.port,
        bind_addresses: ["127.0.0.1"],
        x_forwarded: resource === "client",
        resources: [{ names: [resource] }],
      },
    ],
    worker_log_config: logConfig,
  });
}

/** The long-polling reads, cheaper when one user's requests stay on one worker (Synapse caches them there). */
const SYNC_ROUTES = [
  "^/_matrix/client/(r0|v3)/sync$",
  "^/_matrix/client/(api/v1|r0|v3)/events$",
  "^/_matrix/client/(api/v1|r0|v3)/initialSync$",
  "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
];

/**
 * The writes clients send as PUT, which nginx counts as idempotent and so, by default, sends
 * again to the next worker when the first one died after taking them. Synapse remembers a
 * transaction id only in the process that took it (for the appservice's users), so the
 * retry would post the event a second time; the client, which knows how to look for its
 * earlier try, must be the one to retry.
 */
const PUT_ROUTES = [
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/redact",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/send",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state/",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/profile/",
];

/**
 * The client-server endpoints Synapse's workers page lists for `generic_worker` that aachat
 * and its clients use (sync, reads, room creation, event sending, membership, profiles,
 * registration, whoami). Everything else (the admin API, typing, account data, receipts,
 * the appservice ping) stays on the main process, which writes those streams here.
 */
export const GENERIC_WORKER_CLIENT_ROUTES = [
  ...SYNC_ROUTES,
  ...PUT_ROUTES,
  "^/_matrix/client/(api/v1|r0|v3|unstable)/createRoom$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/publicRooms$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/joined_members$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/context/.*$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/members$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state$",
  "^/_matrix/client/v1/rooms/.*/hierarchy$",
  "^/_matrix/client/(v1|unstable)/rooms/.*/relations/",
  "^/_matrix/client/v1/rooms/.*/threads$",
  "^/_matrix/client/(r0|v3|unstable)/account/whoami$",
  "^/_matrix/client/versions$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/event/",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/joined_rooms$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/search$",
  "^/_matrix/client/(r0|v3|unstable)/user/.*/filter(/|$)",
  "^/_matrix/client/(r0|v3|unstable)/capabilities$",
  "^/_matrix/client/(r0|v3|unstable)/keys/(query|changes|claim|upload)$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/login$",
  "^/_matrix/client/(r0|v3|unstable)/register$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/(join|invite|leave|ban|unban|kick)$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/join/",
];

/**
 * nginx in the foreground as one process (no master, so killing its pid ends it), on
 * loopback, with its files in `dir`. The client workers are one upstream: a request that
 * cannot reach one (it was killed) goes to the other, as a load balancer in production does.
 */
export function nginxConfig(ports: TopologyPorts, dir: string): string {
  const workers = ports.clientWorkers
    .map((worker) => `    server 127.0.0.1:${worker.port} max_fails=1 fail_timeout=2s;`)
    .join("\n");
  const routes = GENERIC_WORKER_CLIENT_ROUTES.map((route) => {
    const upstream = SYNC_ROUTES.includes(route) ? "synapse_sync" : "synapse_workers";
    const retry = PUT_ROUTES.includes(route) ? "\n      proxy_next_upstream off;" : "";
    return `    location ~ ${route} {\n      proxy_pass http://${upstream};${retry}\n    }`;
  }).join("\n");
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events {
  worker_connections 1024;
}
http {
  # Which process served each request: $upstream_addr names the worker's port.
  log_format routed '$request_method $uri $status upstream=$upstream_addr';
  access_log ${dir}/nginx-access.log routed;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 50m;
  upstream synapse_main {
    server 127.0.0.1:${ports.mainClient};
  }
  upstream synapse_workers {
${workers}
  }
  upstream synapse_sync {
    hash $http_authorization consistent;
${workers}
  }
  server {
    listen 127.0.0.1:${ports.nginx};
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    # /sync long-polls for up to 30 s.
    proxy_read_timeout 120s;
    # A worker that cannot be reached (killed): try the other one.
    proxy_next_upstream error timeout;
${routes}
    location / {
      proxy_pass http://synapse_main;
    }
  }
}
`;
}
