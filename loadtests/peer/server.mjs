// The peer provider for idgate's load tests: panva/node-oidc-provider with the same clients,
// scopes and token lifetimes as the idgate bench tenant, its default in-memory adapter, and
// a minimal application-provided login/consent interaction (devInteractions off), the way a
// product that embeds oidc-provider writes one: Argon2id passwords (node `argon2`, the same
// parameters as argon2-cffi's PasswordHasher defaults) and a Grant created on consent.
//
// Usage: node server.mjs PORT   (the bench settings come from the BENCH_* environment)
// State lives in this process's memory only: a restart forgets every token and session.

import crypto from 'node:crypto';
import http from 'node:http';

import argon2 from 'argon2';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 3000);
const issuer = `http://127.0.0.1:${port}`;
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Argon2id, t=3, m=64 MiB, p=4: argon2-cffi's PasswordHasher() defaults (RFC 9106 low-memory).
const ARGON2 = { type: argon2.argon2id, timeCost: 3, memoryCost: 65536, parallelism: 4 };
const users = new Map(); // email -> { id, hash }
const emails = new Map(); // account id -> email
const dummyHash = await argon2.hash('timing-equalizer', ARGON2);
for (const [i, email] of env('BENCH_USER_EMAILS').split(',').entries()) {
  users.set(email, { id: `user-${i}`, hash: await argon2.hash(env('BENCH_USER_PASSWORD'), ARGON2) });
  emails.set(`user-${i}`, email);
}

function privateJwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg}-bench` };
}

const redirectUri = env('BENCH_REDIRECT_URI');
const configuration = {
  clients: [
    {
      client_id: env('BENCH_CC_CLIENT_ID'),
      client_secret: env('BENCH_CC_CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: env('BENCH_RS_CLIENT_ID'),
      client_secret: env('BENCH_RS_CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: env('BENCH_WEB_CLIENT_ID'),
      client_secret: env('BENCH_WEB_CLIENT_SECRET'),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: {
    keys: [
      privateJwk('rsa', { modulusLength: 2048 }, 'RS256'), // ID tokens, as idgate
      privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
    ],
  },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 300,
    ClientCredentials: 300,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 30 * 24 * 3600,
    Interaction: 600,
    Session: 7 * 24 * 3600,
    Grant: 30 * 24 * 3600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const email = emails.get(sub);
    if (!email) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email, email_verified: true, name: 'Bench User' };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
// Log what the provider answers with 500 (the harness counts these lines).
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
const callback = provider.callback();

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

// POST /interaction/:uid/login: one Argon2id verification, whether or not the email exists.
async function login(req, res) {
  const form = await readForm(req);
  await provider.interactionDetails(req, res); // the interaction cookie must match
  const user = users.get(String(form.get('email')).toLowerCase());
  const ok = await argon2.verify(user ? user.hash : dummyHash, String(form.get('password')));
  if (!ok || !user) return json(res, 401, { error: 'the email or password is incorrect' });
  return provider.interactionFinished(req, res, { login: { accountId: user.id } }, {
    mergeWithLastSubmission: false,
  });
}

// POST /interaction/:uid/confirm: a new Grant with the requested scopes. Each consent is a
// new grant (a new token family), as each authorization is a new family in idgate.
async function confirm(req, res) {
  const { params, session } = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  grant.addOIDCClaims(['sub', 'name', 'email', 'email_verified']);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

async function interaction(req, res) {
  const [, , uid, action] = req.url.split('?')[0].split('/');
  if (req.method === 'GET' && !action) {
    const details = await provider.interactionDetails(req, res);
    return json(res, 200, { uid, prompt: details.prompt.name });
  }
  if (req.method === 'POST' && action === 'login') return login(req, res);
  if (req.method === 'POST' && action === 'confirm') return confirm(req, res);
  return json(res, 404, { error: 'not found' });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => json(res, 400, { error: String(err.message || err) }));
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer} pid ${process.pid}`);
});
