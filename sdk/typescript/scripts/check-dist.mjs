#!/usr/bin/env node
// Fails when a file in dist/ imports or requires anything outside dist/ (a runtime
// dependency, a Node built-in, or a path that leaves the package): the SDK is
// zero-dependency and must run in browsers as it is.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist", import.meta.url));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// import/export ... from "x", import "x", import("x"), require("x"), and .d.ts import("x") types
const SPECIFIERS = [
  /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
];

export function outsideImports(root = dist) {
  const problems = [];
  for (const file of files(root).filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f))) {
    const text = readFileSync(file, "utf8");
    for (const pattern of SPECIFIERS) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1];
        const where = relative(root, file);
        if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
          problems.push(`${where}: imports ${specifier}, which is outside dist/`);
          continue;
        }
        const target = resolve(dirname(file), specifier);
        const inside = !relative(root, target).startsWith("..");
        const candidates = [target, target.replace(/\.js$/, ".d.ts"), `${target}.js`];
        if (!inside || !candidates.some((candidate) => existsSync(candidate))) {
          problems.push(`${where}: imports ${specifier}, which is not a file in dist/`);
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(dist)) {
    console.error("no dist/: run `npm run build` first");
    process.exit(1);
  }
  const problems = outsideImports();
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
  console.log(`dist/ imports nothing outside itself (${files(dist).length} files)`);
}
