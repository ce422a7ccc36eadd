// A real OpenID Connect provider for the single sign-on tests (panva's oidc-provider,
// a devDependency): `node tests/oidc/provider.mjs <port>`, configured by the
// environment. OIDC_CLIENTS is a JSON list of clients (client_id, client_secret,
// redirect_uris); OIDC_ACCOUNTS maps each account's login to its claims (email,
// email_verified, name). Its development sign-in form takes an account's login and any
// password, then asks for consent. Prints "listening <issuer>" once it answers.
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");
const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]").map((client) => ({
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
  ...client,
}));

const provider = new Provider(issuer, {
  clients,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  // The claims go into the ID token too, as many providers put them.
  conformIdTokenClaims: false,
  cookies: { keys: ["tests-only-cookie-key"] },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${issuer}\n`);
});
