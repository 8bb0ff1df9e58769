// Holdpoint passkeys: the one place a page needs JavaScript (WebAuthn has no form).
// Wires every <button data-passkey="register|verify|login"> (templates/passkey_button.html):
// asks the server to start a ceremony, runs navigator.credentials.create/get with the options
// (base64url <-> ArrayBuffer), posts the answer back, then submits the form (or presses the
// button) named by data-then-submit, or follows the server's location, or reloads. Without
// WebAuthn the buttons stay hidden. Loaded once however many buttons a page has.
"use strict";
(function () {
  if (window.holdpointPasskeys) return;
  window.holdpointPasskeys = true;

  var PATHS = {
    register: "/account/passkeys/register/",
    verify: "/auth/passkey/verify/",
    login: "/auth/passkey/login/",
  };

  function toBuffer(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfOf(button) {
    if (button.dataset.csrf) return button.dataset.csrf;
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  function post(button, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfOf(button) },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data.detail || "the server answered " + res.status);
        return data;
      });
    });
  }

  // The server's options, with the binary fields as ArrayBuffers.
  function creationOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function requestOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function created(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toB64url(cred.response.attestationObject),
        clientDataJSON: toB64url(cred.response.clientDataJSON),
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function asserted(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64url(cred.response.authenticatorData),
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        signature: toB64url(cred.response.signature),
        userHandle: toB64url(cred.response.userHandle),
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function say(button, text, error) {
    var status = button.parentNode.querySelector(".passkey-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!error);
  }

  function run(button) {
    var kind = button.dataset.passkey;
    var base = PATHS[kind];
    var nameInput = document.getElementById("passkey-name");
    button.disabled = true;
    say(button, "Follow your browser's prompt…");
    post(button, base + "start")
      .then(function (start) {
        var ask = kind === "register"
          ? navigator.credentials.create(creationOptions(start.options)).then(created)
          : navigator.credentials.get(requestOptions(start.options)).then(asserted);
        return ask.then(function (credential) {
          var body = { handle: start.handle, credential: credential };
          if (kind === "register") body.name = nameInput ? nameInput.value : "";
          return post(button, base + "finish", body);
        });
      })
      .then(function (done) {
        say(button, kind === "register" ? "Passkey added." : "Passkey accepted.");
        button.dispatchEvent(new CustomEvent("passkey:done", { bubbles: true, detail: done }));
        // A form is submitted; a submit button is pressed, so its name and value go along.
        var next = button.dataset.thenSubmit && document.getElementById(button.dataset.thenSubmit);
        if (next && next.tagName === "FORM") return next.requestSubmit ? next.requestSubmit() : next.submit();
        if (next) return next.click();
        if (done.location) window.location.assign(done.location);
        else window.location.reload();
      })
      .catch(function (e) {
        button.disabled = false;
        var text = e && e.name === "NotAllowedError"
          ? "The passkey prompt was cancelled or timed out."
          : (e && e.message) || "The passkey did not work.";
        say(button, text, true);
      });
  }

  function wire() {
    if (!window.PublicKeyCredential || !navigator.credentials) return;
    document.querySelectorAll("button[data-passkey]").forEach(function (button) {
      if (button.dataset.passkeyWired) return;
      button.dataset.passkeyWired = "1";
      button.hidden = false;
      button.addEventListener("click", function () { run(button); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
