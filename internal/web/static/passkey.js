// Passkeys (WebAuthn) on the sign-in pages and the security page: the
// browser makes or uses the credential, the server checks it. Without
// JavaScript or WebAuthn the buttons stay hidden and passwords still work.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function fromB64(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    (list || []).forEach(function (c) { c.id = fromB64(c.id); });
  }
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error((data.error && data.error.message) || "The request failed.");
        return data;
      });
    });
  }

  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: toB64(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
    }
    return out;
  }

  // signIn runs a passkey check: begin gives the options, finish the result.
  function signIn(begin, finish) {
    return post(begin).then(function (opts) {
      opts.publicKey.challenge = fromB64(opts.publicKey.challenge);
      ids(opts.publicKey.allowCredentials);
      return navigator.credentials.get({ publicKey: opts.publicKey });
    }).then(function (cred) {
      return post(finish, credentialJSON(cred));
    }).then(function (res) { window.location.assign(res.redirect); });
  }

  function showError(err) {
    var p = document.getElementById("passkey-error");
    if (!p) return;
    p.textContent = err && err.name === "NotAllowedError" ? "The passkey was not used." : (err && err.message) || "That did not work.";
    p.hidden = false;
  }

  var login = document.querySelector("[data-passkey-login]");
  if (login) {
    login.hidden = false;
    login.querySelector("button").addEventListener("click", function () {
      var next = encodeURIComponent(login.getAttribute("data-next") || "/");
      signIn("/login/passkey", "/login/passkey/finish?next=" + next).catch(showError);
    });
  }

  var second = document.querySelector("[data-passkey-second]");
  if (second) {
    second.hidden = false;
    second.querySelector("button").addEventListener("click", function () {
      signIn("/login/2fa/passkey", "/login/2fa/passkey/finish").catch(showError);
    });
  }

  var reg = document.querySelector("form[data-passkey-register]");
  if (reg) {
    reg.addEventListener("submit", function (e) {
      e.preventDefault();
      var name = reg.querySelector("input[name=name]").value;
      post("/account/passkeys/begin").then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = fromB64(pk.challenge);
        pk.user.id = fromB64(pk.user.id);
        ids(pk.excludeCredentials);
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        return post("/account/passkeys/finish?name=" + encodeURIComponent(name), credentialJSON(cred));
      }).then(function () { window.location.reload(); }).catch(showError);
    });
  }
})();
