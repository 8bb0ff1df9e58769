// A real OpenID provider for the single sign-on tests (tests/api/sso*.rs): the certified
// `oidc-provider` package with one confidential test client. Run as
//   node e2e/oidc-provider.mjs CLIENT_ID CLIENT_SECRET
// and it prints its issuer URL (http://127.0.0.1:<port>) on the first stdout line.
//
// The client is registered as a native (loopback) client, so its redirect URI
// http://127.0.0.1/auth/oidc/callback matches Holdpoint's on any port (RFC 8252, 7.3): the
// provider can start before the server under test knows its port.
//
// No sign-in form: the test follows the redirects itself and, at the provider's interaction
// page, says who signs in and with which claims, as query parameters:
//   GET /interaction/<uid>?sub=alice&email=a@x&email_verified=true|false|absent&groups=ops,admins&amr=pwd,mfa
// The consent prompt that follows grants what the client asked for, with no parameters. Nothing here is for production use.
//
// A second, deliberately wrong discovery document is served under /alias: the real provider's
// endpoints and keys, but the issuer http://127.0.0.1:<port>/alias, so a relying party that
// trusts it receives ID tokens from another issuer.
import { createServer } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const [clientId, clientSecret] = process.argv.slice(2);
if (!clientId || !clientSecret) throw new Error("usage: oidc-provider.mjs CLIENT_ID CLIENT_SECRET");

// The claims each subject signs in with, as the test last gave them.
const accounts = new Map();

const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ format: "jwk" });

function configuration() {
  return {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: "native",
        redirect_uris: ["http://127.0.0.1/auth/oidc/callback"],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [{ ...signingKey, use: "sig", alg: "RS256", kid: "test" }] },
    cookies: { keys: ["holdpoint-test-only-cookie-key"] },
    claims: {
      // Every ID token says how and when the person signed in (`amr`, `auth_time`).
      openid: ["sub", "amr", "auth_time"],
      email: ["email", "email_verified"],
      profile: ["name"],
      groups: ["groups"],
    },
    // The ID token carries the scopes' claims itself, not only the userinfo endpoint.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  };
}

function list(value) {
  return value ? value.split(",").filter(Boolean) : [];
}

async function interaction(provider, req, res) {
  const url = new URL(req.url, "http://127.0.0.1");
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "consent") {
    const grant = new provider.Grant({ clientId: details.params.client_id, accountId: details.session.accountId });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  const q = url.searchParams;
  const sub = q.get("sub");
  if (!sub) {
    res.writeHead(400, { "content-type": "text/plain" }).end("the test names the account: ?sub=…");
    return;
  }
  const claims = { email: q.get("email") ?? `${sub}@example.com`, email_verified: q.get("email_verified") !== "false" };
  // `email_verified=absent`: no such claim, as Microsoft Entra ID sends it.
  if (q.get("email_verified") === "absent") delete claims.email_verified;
  if (q.has("name")) claims.name = q.get("name");
  if (q.has("groups")) claims.groups = list(q.get("groups"));
  accounts.set(sub, claims);
  const login = { accountId: sub, amr: list(q.get("amr") ?? "pwd") };
  await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

const server = createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (req.url.startsWith("/interaction/")) {
      interaction(provider, req, res).catch((e) => {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(e.message));
      });
    } else if (req.url === "/alias/.well-known/openid-configuration") {
      fetch(`${issuer}/.well-known/openid-configuration`)
        .then((r) => r.json())
        .then((meta) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ ...meta, issuer: `${issuer}/alias` }));
        });
    } else {
      callback(req, res);
    }
  });
  console.log(issuer);
});
