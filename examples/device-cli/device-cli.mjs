#!/usr/bin/env node
// Sign a customer of a tenant in with the device flow (RFC 8628) and print who they are,
// and their upstream token when their account is linked to the connection given.
//
//   node device-cli.mjs --issuer http://127.0.0.1:8000/t/demo --client-id demo-tv \
//       [--scope "openid profile email offline_access"] [--connection github]

import { parseArgs } from "node:util";
import {
  AccessDeniedError,
  ExpiredTokenError,
  IdgateError,
  deviceSignIn,
  fetchUserinfo,
  getUpstreamToken,
} from "@idgate/sdk";

const { values } = parseArgs({
  options: {
    issuer: { type: "string" },
    "client-id": { type: "string" },
    scope: { type: "string", default: "openid profile email offline_access" },
    connection: { type: "string" },
  },
});
if (!values.issuer || !values["client-id"]) {
  console.error("usage: device-cli.mjs --issuer URL --client-id ID [--scope SCOPE] [--connection ID]");
  process.exit(2);
}

try {
  const session = await deviceSignIn({
    issuer: values.issuer,
    clientId: values["client-id"],
    scope: values.scope,
    onUserCode: (code) => {
      console.log(`To sign in, open ${code.verificationUri} and enter the code ${code.userCode}`);
      if (code.verificationUriComplete) console.log(`(or open ${code.verificationUriComplete})`);
      console.log("waiting for approval...");
    },
  });
  const me = await fetchUserinfo({ issuer: values.issuer, accessToken: session.accessToken });
  console.log(`signed in as ${me.email ?? me.sub}${me.name ? ` (${me.name})` : ""}`);
  console.log(`subject: ${me.sub}`);
  if (values.connection) {
    try {
      const upstream = await getUpstreamToken({
        issuer: values.issuer,
        connectionId: values.connection,
        accessToken: session.accessToken,
      });
      const expires = upstream.expiresAt ? new Date(upstream.expiresAt * 1000).toISOString() : "never";
      console.log(`${upstream.provider} token: ${upstream.accessToken} (scope ${upstream.scope ?? "-"}, expires ${expires})`);
    } catch (error) {
      if (!(error instanceof IdgateError)) throw error;
      console.log(`no ${values.connection} token: ${error.error} (${error.message})`);
    }
  }
} catch (error) {
  if (error instanceof AccessDeniedError) console.error("the sign-in was denied");
  else if (error instanceof ExpiredTokenError) console.error("the code expired before it was approved");
  else console.error(`error: ${error.message}`);
  process.exit(1);
}
