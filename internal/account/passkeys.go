package account

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"andon/internal/domain"
	"andon/internal/store"
)

// Passkeys registers WebAuthn credentials and checks them at sign-in, as a
// second factor after the password or alone (a passkey with user
// verification is itself two factors). The ceremony state between "begin"
// and "finish" is returned to the caller, which keeps it server-side in an
// auth challenge.
type Passkeys struct {
	db *store.DB
	wa *webauthn.WebAuthn
}

// NewPasskeys configures WebAuthn for the site at baseURL: its host is the
// relying party id, its origin the only accepted origin.
func NewPasskeys(db *store.DB, baseURL, siteName string) (*Passkeys, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("passkeys need ANDON_BASE_URL")
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: siteName,
		RPOrigins: []string{u.Scheme + "://" + u.Host}})
	if err != nil {
		return nil, err
	}
	return &Passkeys{db: db, wa: wa}, nil
}

// waUser is a user as the WebAuthn library sees one. The user handle is the
// account id (8 bytes): opaque, stable and free of personal data.
type waUser struct {
	u     *domain.User
	creds []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return userHandle(w.u.ID) }
func (w *waUser) WebAuthnName() string                       { return w.u.Email }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func (p *Passkeys) load(ctx context.Context, u *domain.User) (*waUser, error) {
	raw, err := p.db.PasskeyCredentials(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	w := &waUser{u: u}
	for _, s := range raw {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return nil, err
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// BeginRegistration starts adding a passkey for u: the options for the
// browser (JSON) and the state to keep until FinishRegistration.
func (p *Passkeys) BeginRegistration(ctx context.Context, u *domain.User) (options []byte, state string, err error) {
	w, err := p.load(ctx, u)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := p.wa.BeginRegistration(w,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationPreferred}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, "", err
	}
	return encodeCeremony(creation, session)
}

// FinishRegistration checks the browser's answer (JSON) and stores the
// passkey under name.
func (p *Passkeys) FinishRegistration(ctx context.Context, u *domain.User, state string, answer []byte, name string) (*domain.Passkey, error) {
	name, err := domain.PasskeyName(name, "Passkey")
	if err != nil {
		return nil, err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(state), &session); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		return nil, refused("The browser's answer could not be read.")
	}
	w, err := p.load(ctx, u)
	if err != nil {
		return nil, err
	}
	cred, err := p.wa.CreateCredential(w, session, parsed)
	if err != nil {
		return nil, refused("The passkey could not be verified.")
	}
	js, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	return p.db.AddPasskey(ctx, u.ID, credentialID(cred.ID), name, string(js))
}

// BeginLogin starts a passkey check: for u (a second factor after the
// password), or, with u nil, for whoever's passkey the browser offers
// (passwordless; user verification required).
func (p *Passkeys) BeginLogin(ctx context.Context, u *domain.User) (options []byte, state string, err error) {
	if u == nil {
		a, s, err := p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return nil, "", err
		}
		return encodeCeremony(a, s)
	}
	w, err := p.load(ctx, u)
	if err != nil {
		return nil, "", err
	}
	if len(w.creds) == 0 {
		return nil, "", domain.Errorf(domain.EInvalid, "You have no passkey. Use a code from your authenticator app.")
	}
	a, s, err := p.wa.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, "", err
	}
	return encodeCeremony(a, s)
}

// FinishLogin checks the browser's answer (JSON) to BeginLogin and returns
// the user it proves: u itself, or, for a passwordless sign-in (u nil), the
// owner of the passkey. It records the credential's new signature count.
func (p *Passkeys) FinishLogin(ctx context.Context, u *domain.User, state string, answer []byte) (*domain.User, error) {
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(state), &session); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(answer)
	if err != nil {
		return nil, refused("The browser's answer could not be read.")
	}
	var cred *webauthn.Credential
	var owner *waUser
	if u == nil {
		cred, err = p.wa.ValidateDiscoverableLogin(func(_, handle []byte) (webauthn.User, error) {
			if len(handle) != 8 {
				return nil, errors.New("unknown user handle")
			}
			found, err := p.db.User(ctx, int64(binary.BigEndian.Uint64(handle)))
			if err != nil {
				return nil, err
			}
			owner, err = p.load(ctx, found)
			return owner, err
		}, session, parsed)
	} else {
		if owner, err = p.load(ctx, u); err == nil {
			cred, err = p.wa.ValidateLogin(owner, session, parsed)
		}
	}
	if err != nil || owner == nil {
		return nil, refused("That passkey was not accepted.")
	}
	if !owner.u.Active {
		return nil, refused("That passkey was not accepted.")
	}
	js, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	return owner.u, p.db.PasskeyUsed(ctx, owner.u.ID, credentialID(cred.ID), string(js))
}

func credentialID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

func refused(msg string) error { return domain.Errorf(domain.EUnauthorized, "%s", msg) }

func encodeCeremony(options any, session *webauthn.SessionData) ([]byte, string, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, "", err
	}
	s, err := json.Marshal(session)
	return o, string(s), err
}
