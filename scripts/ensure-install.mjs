// Makes sure the npm packages match package-lock.json, and their native modules this Node.js,
// before `npm start` / `npm test`, so a fresh clone needs nothing run by hand. Skips the
// install when nothing changed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stampFile = `${root}/node_modules/.aachat-install-stamp`;
const workspaces = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).workspaces ?? [];
const inputs = ["package-lock.json", "package.json", ...workspaces.map((workspace) => `${workspace}/package.json`)];

const digest = createHash("sha256");
for (const file of inputs) {
  if (existsSync(`${root}/${file}`)) digest.update(file).update(readFileSync(`${root}/${file}`));
}
// The stamp's first line is the manifests' digest, its second the ABI native modules were
// built for: switching Node.js (nvm use 22) leaves better-sqlite3 built for the old one.
const manifests = digest.digest("hex");
const abi = `node-abi-${process.versions.modules}-${process.platform}-${process.arch}`;
const [installed = "", builtFor = ""] = existsSync(stampFile) ? readFileSync(stampFile, "utf8").split("\n") : [];
const writeStamp = () => writeFileSync(stampFile, `${manifests}\n${abi}\n`);

/** Runs npm with these arguments, or exits with `failure` when it fails. */
function npm(args, failure) {
  const result = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    process.stderr.write(`error: ${failure}\n`);
    process.exit(result.status ?? 1);
  }
}

const started = Date.now();
if (installed !== manifests) {
  process.stderr.write("Installing npm packages (the first time takes a few minutes)…\n");
  npm(["ci"], "`npm ci` failed (see above). Check that the npm registry is reachable and retry.");
  writeStamp();
  process.stderr.write(`npm packages installed in ${Math.round((Date.now() - started) / 1000)} s.\n`);
} else if (builtFor !== abi) {
  process.stderr.write(`Rebuilding the native npm packages for Node.js ${process.version} (about a minute)…\n`);
  npm(["rebuild"], "`npm rebuild` failed (see above); `rm -rf node_modules` and start again installs afresh.");
  writeStamp();
  process.stderr.write(`Native npm packages rebuilt in ${Math.round((Date.now() - started) / 1000)} s.\n`);
}
