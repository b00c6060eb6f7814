#!/usr/bin/env node
// Writes src/admin/generated.ts (types and operations of the admin API) from the committed
// snapshot openapi/admin-openapi.json.
//
//   node scripts/generate.mjs                 regenerate from the snapshot (the build does it)
//   node scripts/generate.mjs --check         fail when generated.ts is not what the snapshot gives
//   node scripts/generate.mjs --from URL      fetch the document from a running idgate
//                                             (e.g. http://127.0.0.1:8000/api/v1/openapi.json),
//                                             save it as the snapshot, then regenerate
//
// A new operation then fails the type check until src/admin/namespaces.ts gives it a method.

import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { adminDocument, generate } from "./openapi.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const snapshot = `${root}openapi/admin-openapi.json`;
const target = `${root}src/admin/generated.ts`;

const args = process.argv.slice(2);
const from = args.includes("--from") ? args[args.indexOf("--from") + 1] : undefined;

if (from) {
  const response = await fetch(from);
  if (!response.ok) throw new Error(`${from}: HTTP ${response.status}`);
  const doc = adminDocument(await response.json());
  await writeFile(snapshot, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`saved ${from} as openapi/admin-openapi.json`);
}

const doc = JSON.parse(await readFile(snapshot, "utf8"));
const output = generate(doc, "openapi/admin-openapi.json");
if (args.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== output) {
    console.error("src/admin/generated.ts is stale: run `npm run generate`");
    process.exit(1);
  }
} else {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== output) await writeFile(target, output);
}
