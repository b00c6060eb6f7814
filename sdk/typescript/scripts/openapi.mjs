// Reads idgate's admin OpenAPI document (3.1, as FastAPI writes it) into the operations
// and TypeScript declarations of src/admin/generated.ts. Shared by scripts/generate.mjs
// and the coverage test, so both name operations the same way.

/** FastAPI's operationId is `{function name}{path, non-word characters as _}_{method}`;
 * the function name, in camelCase, names the SDK's operation. */
export function operationName(operationId, path, method) {
  const suffix = `${path.replace(/\W/g, "_")}_${method.toLowerCase()}`;
  const stem = operationId.endsWith(suffix) ? operationId.slice(0, -suffix.length) : operationId;
  return camelCase(stem);
}

export function camelCase(text) {
  return text
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, next) => (next ? next.toUpperCase() : ""))
    .replace(/^[A-Z]/, (first) => first.toLowerCase());
}

const METHODS = ["get", "put", "post", "delete", "patch"];

/** The admin API's paths. (\`idgate serve\` composes every function into one app, so its
 * /api/v1/openapi.json also lists the browser pages: those are not the admin API.) */
export const ADMIN_PREFIX = "/api/v1/";

/** The admin API's part of a served document: its paths and the schemas they reach. */
export function adminDocument(doc) {
  const paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).filter(([path]) => path.startsWith(ADMIN_PREFIX)),
  );
  const schemas = doc.components?.schemas ?? {};
  const reached = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    if (typeof node.$ref === "string") {
      const name = node.$ref.split("/").pop();
      if (!reached.has(name) && schemas[name]) {
        reached.add(name);
        visit(schemas[name]);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(paths);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
  return { ...doc, paths, components: { ...doc.components, schemas: kept } };
}

/** Every admin operation of the document: name, method, path, parameters, body, response. */
export function operationsOf(doc) {
  const operations = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith(ADMIN_PREFIX)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
      const withBody = success.find(([, response]) => response.content?.["application/json"]);
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      operations.push({
        name: operationName(op.operationId ?? `${method}_${path}`, path, method),
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        description: op.description,
        tag: op.tags?.[0],
        pathParams: parameters.filter((p) => p.in === "path"),
        queryParams: parameters.filter((p) => p.in === "query"),
        body: bodySchema ? { schema: bodySchema, required: op.requestBody.required === true } : null,
        response: withBody ? withBody[1].content["application/json"].schema : null,
        statuses: success.map(([status]) => Number(status)),
      });
    }
  }
  return operations;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(name) {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function doc(text, indent) {
  if (!text) return "";
  const lines = String(text).trim().replace(/\*\//g, "*\\/").split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join("\n")}\n${indent} */\n`;
}

/** The TypeScript type of a JSON Schema (the subset FastAPI and pydantic write). */
export function typeOf(schema, indent = "") {
  if (schema === true || schema === undefined || schema === null) return "unknown";
  if (schema === false) return "never";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.anyOf || schema.oneOf) {
    const members = [...new Set((schema.anyOf ?? schema.oneOf).map((member) => typeOf(member, indent)))];
    return members.map((m) => (m.includes(" | ") || m.includes("&") ? `(${m})` : m)).join(" | ");
  }
  if (schema.allOf) return schema.allOf.map((member) => typeOf(member, indent)).join(" & ");
  if (Array.isArray(schema.type)) {
    return schema.type.map((type) => typeOf({ ...schema, type }, indent)).join(" | ");
  }
  switch (schema.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = typeOf(schema.items, indent);
      return /^[A-Za-z0-9_]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case "object":
    case undefined:
      if (schema.type === undefined && !schema.properties && !schema.additionalProperties) return "unknown";
      return objectType(schema, indent);
    default:
      return "unknown";
  }
}

function objectType(schema, indent) {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    if (extra && extra !== true) return `Record<string, ${typeOf(extra, indent)}>`;
    return "Record<string, unknown>";
  }
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  let out = "{\n";
  for (const [name, property] of properties) {
    out += doc(property.description, inner);
    out += `${inner}${key(name)}${required.has(name) ? "" : "?"}: ${typeOf(property, inner)};\n`;
  }
  if (extra === true) out += `${inner}[key: string]: unknown;\n`;
  else if (extra) out += `${inner}[key: string]: ${typeOf(extra, inner)} | undefined;\n`;
  return `${out}${indent}}`;
}

/** src/admin/generated.ts for the document. */
export function generate(docJson, source) {
  const operations = operationsOf(docJson);
  const names = new Set();
  for (const op of operations) {
    if (names.has(op.name)) throw new Error(`two operations are named ${op.name}`);
    names.add(op.name);
  }
  let out = `// Generated by scripts/generate.mjs from ${source}: do not edit.\n`;
  out += `// ${docJson.info?.title ?? "admin API"} ${docJson.info?.version ?? ""}; regenerate with \`npm run generate\`.\n\n`;
  out += "/* eslint-disable */\n\n";
  for (const [name, schema] of Object.entries(docJson.components?.schemas ?? {})) {
    out += doc(schema.description, "");
    const type = typeOf({ ...schema, description: undefined });
    out += type.startsWith("{") ? `export interface ${name} ${type}\n\n` : `export type ${name} = ${type};\n\n`;
  }
  out += "/** One method per operation of the admin API: path parameters in path order, then\n";
  out += " * the JSON body, then the query parameters. */\n";
  out += "export interface AdminOperations {\n";
  for (const op of operations) {
    const args = op.pathParams.map((p) => `${camelCase(p.name)}: ${typeOf(p.schema, "  ")}`);
    if (op.body) {
      args.push(`body${op.body.required ? "" : "?"}: ${typeOf(op.body.schema, "  ")}`);
    }
    if (op.queryParams.length > 0) {
      const anyRequired = op.queryParams.some((p) => p.required);
      const fields = op.queryParams
        .map((p) => `${key(p.name)}${p.required ? "" : "?"}: ${typeOf(p.schema, "    ")}`)
        .join("; ");
      args.push(`query${anyRequired ? "" : "?"}: { ${fields} }`);
    }
    const result = op.response ? typeOf(op.response, "  ") : "void";
    const comment = [op.summary, op.description, `\`${op.method} ${op.path}\``].filter(Boolean).join("\n\n");
    out += doc(comment, "  ");
    out += `  ${op.name}(${args.join(", ")}): Promise<${result}>;\n`;
  }
  out += "}\n\n";
  out += "export type AdminOperationName = keyof AdminOperations;\n\n";
  out += "export interface AdminOperationSpec {\n";
  out += "  method: \"GET\" | \"POST\" | \"PUT\" | \"PATCH\" | \"DELETE\";\n";
  out += "  path: string;\n  pathParams: readonly string[];\n";
  out += "  body: \"none\" | \"required\" | \"optional\";\n  query: readonly string[];\n}\n\n";
  out += "/** How to send each operation (what the client needs at run time). */\n";
  out += "export const ADMIN_OPERATIONS: { readonly [N in AdminOperationName]: AdminOperationSpec } = {\n";
  for (const op of operations) {
    const spec = {
      method: op.method,
      path: op.path,
      pathParams: op.pathParams.map((p) => p.name),
      body: op.body ? (op.body.required ? "required" : "optional") : "none",
      query: op.queryParams.map((p) => p.name),
    };
    out += `  ${op.name}: ${JSON.stringify(spec).replace(/,"/g, ", \"").replace(/":/g, "\": ")},\n`;
  }
  out += "};\n";
  return out;
}
