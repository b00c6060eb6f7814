// The web-app example: sign in, show the claims, refresh, userinfo, sign out, with
// @idgate/sdk loaded from the SDK's ESM build (served under ./sdk/ by `idgate serve`).
import { IdgateAuth, SessionStorageAdapter } from "./sdk/index.js";

const here = new URL(".", location.href).href; // .../examples/web-app/
const auth = new IdgateAuth({
  issuer: `${location.origin}/t/demo`,
  clientId: "web-app-example",
  redirectUri: here,
  storage: new SessionStorageAdapter(),
});

const $ = (id) => document.getElementById(id);

function showError(error) {
  $("error").hidden = false;
  $("error").textContent = `${error.name}: ${error.message}`;
}

function render(session) {
  $("signed-in").hidden = !session;
  $("signed-out").hidden = !!session;
  $("status").textContent = session ? "Signed in" : "Signed out";
  if (session) {
    $("who").textContent = session.claims?.email ?? session.claims?.sub ?? "?";
    $("expires").textContent = new Date(session.expiresAt).toLocaleTimeString();
    $("claims").textContent = JSON.stringify(session.claims, null, 2);
  }
}

auth.onChange(render);

$("sign-in").addEventListener("click", async () => {
  try {
    location.assign(await auth.signInUrl());
  } catch (error) {
    showError(error);
  }
});

$("refresh").addEventListener("click", async () => {
  try {
    await auth.refresh(); // onChange renders the new session
    $("status").textContent = "Refreshed";
  } catch (error) {
    showError(error);
  }
});

$("load-userinfo").addEventListener("click", async () => {
  try {
    $("userinfo").textContent = JSON.stringify(await auth.userinfo(), null, 2);
  } catch (error) {
    showError(error);
  }
});

$("sign-out").addEventListener("click", async () => {
  try {
    const url = await auth.signOutUrl({ postLogoutRedirectUri: here });
    await auth.revoke();
    location.assign(url);
  } catch (error) {
    showError(error);
  }
});

async function start() {
  const params = new URLSearchParams(location.search);
  if (params.has("state") && (params.has("code") || params.has("error"))) {
    try {
      await auth.handleCallback(location.href);
    } catch (error) {
      showError(error);
    }
    history.replaceState(null, "", here); // the code is single use: drop it from the URL
  }
  render(await auth.getSession());
}

start().catch(showError);
