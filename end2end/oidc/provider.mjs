// A real OpenID Connect provider (the `oidc-provider` package) on loopback,
// for Latchkey's OIDC tests: one confidential client, users with groups in
// the ID token, the package's dev login and consent pages.
//
// Env: PORT (required), REDIRECT_URI (the client's redirect URI, required),
//   CLIENT_ID (default "latchkey"), CLIENT_SECRET (default "latchkey-secret"),
// and switches that make a misbehaving provider for failure tests:
//   FORGE_JWKS=1          publish a different key under the signing key's kid,
//                         so every ID token looks forged to the client;
//   CLOCK_OFFSET_SECS=-N  run the provider's clock N seconds in the past, so
//                         ID tokens arrive already expired;
//   ID_TOKEN_AUDIENCE=x   put `x` in the ID token's `aud` instead of the client.
// Prints "listening <issuer>" once ready.
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const PORT = Number(process.env.PORT);
const REDIRECT_URI = process.env.REDIRECT_URI;
if (!PORT || !REDIRECT_URI) {
  console.error('PORT and REDIRECT_URI are required');
  process.exit(2);
}
const ISSUER = `http://127.0.0.1:${PORT}`;
const offset = Number(process.env.CLOCK_OFFSET_SECS || 0) * 1000;
if (offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
}

// Users: the login typed on the dev login page is the account id.
const USERS = {
  'ada@example.com': { name: 'Ada Admin', groups: ['admins', 'engineers'] },
  'erin@example.com': { name: 'Erin Engineer', groups: ['engineers', 'team-a-leads'] },
  'nobody@example.com': { name: 'No Groups', groups: [] },
};

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'latchkey',
    client_secret: process.env.CLIENT_SECRET || 'latchkey-secret',
    redirect_uris: [REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: ['latchkey-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // Scope claims go into the ID token even though an access token is issued.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  // Long-lived interaction cookies keep working with CLOCK_OFFSET_SECS.
  ttl: { Interaction: 86400, Session: 86400 * 7, Grant: 86400 * 7, IdToken: 600, AccessToken: 600, AuthorizationCode: 60 },
  async findAccount(_ctx, sub) {
    const u = USERS[sub] || { name: sub, groups: [] };
    return {
      accountId: sub,
      async claims() {
        return { sub, email: sub, email_verified: true, name: u.name, groups: u.groups };
      },
    };
  },
});

const audience = process.env.ID_TOKEN_AUDIENCE;
if (audience) {
  const issue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = function (opts) {
    const real = this.client;
    this.client = new Proxy(real, {
      get(target, prop) {
        if (prop === 'clientId') return audience;
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return issue.call(this, opts).finally(() => { this.client = real; });
  };
}

if (process.env.FORGE_JWKS === '1') {
  const { d, p, q, dp, dq, qi, ...other } = signingKey();
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks') ctx.body = { keys: [other] };
  });
}

provider.listen(PORT, '127.0.0.1', () => console.log(`listening ${ISSUER}`));
