// Makes sure the npm packages match package-lock.json before `npm start` / `npm test`,
// so a fresh clone needs nothing run by hand. Skips the install when nothing changed.
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
const wanted = digest.digest("hex");
const current = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";

if (current !== wanted) {
  const started = Date.now();
  process.stderr.write("Installing npm packages (the first time takes a few minutes)…\n");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    process.stderr.write("error: `npm ci` failed (see above). Check that the npm registry is reachable and retry.\n");
    process.exit(result.status ?? 1);
  }
  writeFileSync(stampFile, `${wanted}\n`);
  process.stderr.write(`npm packages installed in ${Math.round((Date.now() - started) / 1000)} s.\n`);
}
