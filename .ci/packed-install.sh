#!/usr/bin/env bash
# The install a user does: `pnpm pack` @velox/core, `npm install` the tarball in a scratch app
# outside the workspace, then import it and create a gateway. Fails when the install runs any
# install script or warns about one (simdjson is an optional peer: a default install builds
# nothing), or when the package does not load in ESM and CJS. Run after `pnpm build`.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d "${TMPDIR:-/tmp}/velox-packed.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
pnpm --filter @velox/core pack --pack-destination "$scratch" >/dev/null
tarball="$(ls "$scratch"/velox-core-*.tgz)"
mkdir "$scratch/app"
cd "$scratch/app"
printf '{ "name": "velox-packed-check", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund "$tarball" > install.log 2>&1 || { cat install.log; exit 1; }
cat install.log
if grep -Eqi 'script|gyp' install.log; then
  echo "packed install: npm mentioned an install script (see above)" >&2
  exit 1
fi
# Belt and braces: no installed package may carry an install hook or a native build.
node --input-type=module -e '
import { readdirSync, readFileSync, existsSync } from "node:fs"
import { join } from "node:path"
const hooks = ["preinstall", "install", "postinstall"]
const found = []
const visit = (dir) => {
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (name.startsWith(".")) continue
    const path = join(dir, name)
    if (name.startsWith("@")) { visit(path); continue }
    const pkg = JSON.parse(readFileSync(join(path, "package.json"), "utf8"))
    const has = hooks.filter((h) => pkg.scripts?.[h])
    if (has.length || pkg.gypfile || existsSync(join(path, "binding.gyp"))) found.push(`${pkg.name}: ${has.join(",") || "binding.gyp"}`)
    visit(join(path, "node_modules"))
  }
}
visit("node_modules")
if (found.length) { console.error("packed install: packages with install scripts:", found); process.exit(1) }
'
node --input-type=module -e '
import { createGateway } from "@velox/core"
const gateway = createGateway({ upstream: { origin: "http://127.0.0.1:9" } })
if (gateway.matches("/v1/chat/completions") !== true) throw new Error("matches() is wrong")
await gateway.close()
console.log("packed install: ESM import and createGateway ok")
'
node -e '
const { createGateway } = require("@velox/core")
createGateway({ upstream: { origin: "http://127.0.0.1:9" } }).close().then(() => console.log("packed install: CJS require ok"))
'
