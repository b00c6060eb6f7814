// The upstream OpenID Provider idgate's tests sign in through: panva/node-oidc-provider, an
// OpenID Certified implementation, on loopback with its in-memory adapter and its built-in
// development interactions (a login form that accepts any login, the login becoming the
// account id, then a consent screen). tests/standins/oidc_upstream.py starts it; its
// docstring says how a browser fills those pages.
//
// Environment:
//   PORT              the port to listen on (127.0.0.1)
//   ISSUER            http://127.0.0.1:PORT (the default)
//   CLIENTS           JSON list of oidc-provider client metadata (RFC 7591 names)
//   ACCOUNTS          JSON object: account id -> { email, email_verified, name }
//   ACCESS_TOKEN_TTL  seconds an access token lives (default 3600)
//   ID_TOKEN_CLAIMS   "1": scope claims (email, name) in the ID token too, as Google does
// State lives in this process's memory only: a restart forgets every token and session.

import crypto from 'node:crypto';

const port = Number(process.env.PORT || 3000);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL || 3600);
const claimsInIdToken = process.env.ID_TOKEN_CLAIMS === '1';

// The stand-in is development-only by design; its start-up warnings about that (dev
// interactions, default cookie keys, ...) would only bury real errors in the test output.
for (const level of ['warn', 'info']) {
  const original = console[level].bind(console);
  console[level] = (first, ...rest) => {
    if (typeof first === 'string' && /^oidc-provider (WARNING|NOTICE):/.test(first)) return;
    original(first, ...rest);
  };
}

// Imported after the filter above: the library warns about the Node.js version on import.
const { default: Provider } = await import('oidc-provider');

const clients = JSON.parse(process.env.CLIENTS || '[]').map((client) => ({
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...client,
}));

// A fresh RS256 key per process (ID tokens are RS256, OIDC Core §3.1.3.7), rather than the
// library's built-in development key, whose private half is public.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'standin-rs256' };

const configuration = {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  // OIDC Core §5.4: with an access token issued, scope claims come from UserInfo only
  // (the library's default); some providers put them in the ID token as well.
  conformIdTokenClaims: !claimsInIdToken,
  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  // idgate always sends PKCE S256 (RFC 9700 §2.1.1); requiring it makes a regression fail
  // here instead of passing silently.
  pkce: { required: () => true },
  // Refresh tokens whenever the client may use the refresh_token grant. By default
  // oidc-provider issues one only for the `offline_access` scope, and keeps that scope only
  // when the request also says prompt=consent (OIDC Core §11); idgate asks for
  // offline_access without forcing consent on every sign-in, as most providers allow.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Tokens outlive this provider's browser session, as GitHub's or Google's do: idgate keeps
  // the upstream tokens, not the upstream session.
  expiresWithSession: async () => false,
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 600,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  async findAccount(_ctx, sub) {
    // The dev interactions accept any login as the account id. One missing from ACCOUNTS
    // is an account with no email and no name (returning undefined instead would end the
    // authorization in a server_error page).
    const account = accounts[sub] || {};
    return {
      accountId: sub,
      async claims() {
        return { ...account, sub };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
// Loopback http: Koa must not trust X-Forwarded-* here, and there is no TLS to enforce.
provider.proxy = false;
provider.on('server_error', (_ctx, err) => console.error('oidc-upstream server_error', err));

// The dev interaction pages import a web font; the tests run offline, so drop the @import
// rather than have every page load wait on a lookup that fails.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-upstream ${issuer} pid ${process.pid}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
}
