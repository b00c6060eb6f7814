#!/usr/bin/env node
// Sign an operator in with the device flow against the platform tenant, list the
// organizations, and approve the one given with --approve.
//
//   node admin-cli.mjs --url http://127.0.0.1:8000 [--approve SLUG] [--status pending]

import { parseArgs } from "node:util";
import { IdgateAdmin, IdgateError, deviceSignIn } from "@idgate/sdk";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000" },
    approve: { type: "string" },
    status: { type: "string" },
  },
});
const baseUrl = values.url.replace(/\/+$/, "");

try {
  const session = await deviceSignIn({
    issuer: `${baseUrl}/t/platform`,
    clientId: "idgate-cli", // the platform's device-flow client (`idgate platform init`)
    scope: "openid offline_access",
    onUserCode: (code) => {
      console.log(`To sign in as an operator, open ${code.verificationUri} and enter the code ${code.userCode}`);
      if (code.verificationUriComplete) console.log(`(or open ${code.verificationUriComplete})`);
      console.log("waiting for approval...");
    },
  });
  const admin = new IdgateAdmin({ baseUrl, accessToken: session.accessToken });
  const me = await admin.me();
  console.log(`signed in as ${me.email}${me.platform_owner ? " (platform owner)" : ""}`);
  if (values.approve) {
    const org = await admin.orgs.approve(values.approve);
    console.log(`approved ${org.slug}: ${org.status}, tier ${org.tier}`);
  }
  const orgs = await admin.orgs.list(values.status ? { status: values.status } : {});
  console.log(`${orgs.length} organization(s):`);
  for (const org of orgs) {
    console.log(`  ${org.slug.padEnd(20)} ${org.status.padEnd(10)} ${org.tier.padEnd(11)} ${org.name}`);
  }
} catch (error) {
  if (error instanceof IdgateError) console.error(`error: ${error.status} ${error.error}: ${error.message}`);
  else console.error(`error: ${error.message}`);
  process.exit(1);
}
