#!/usr/bin/env node
// The package's build: ESM (dist/esm) and CommonJS (dist/cjs), each with its .d.ts, from
// two runs of tsc; dist/cjs/package.json makes Node read dist/cjs as CommonJS although the
// package is "type": "module"; then scripts/check-dist.mjs proves dist imports nothing
// outside itself.

import { execFileSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = `${root}node_modules/typescript/bin/tsc`;
const run = (...args) => execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });

await rm(`${root}dist`, { recursive: true, force: true });
run(tsc, "-p", "tsconfig.esm.json");
run(tsc, "-p", "tsconfig.cjs.json");
await mkdir(`${root}dist/cjs`, { recursive: true });
await writeFile(`${root}dist/cjs/package.json`, `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
run(`${root}scripts/check-dist.mjs`);
