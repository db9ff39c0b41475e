package domain

// CheckCredentialTarget stops a stored password from going to a server it
// was not given for: when the host, port or username of the IMAP or SMTP
// side changes and a password is stored for that side, the change must come
// with the password again. old is the mailbox as stored; updated has the
// change applied, with IMAPPassword/SMTPPassword holding only a password
// given with this change (empty when none). Clearing the host is allowed:
// nothing is sent anywhere then.
func CheckCredentialTarget(old, updated *Mailbox) error {
	v := Validation{}
	side := func(field string, stored bool, given string, oh, nh string, op, np int, ou, nu string) {
		if !stored || given != "" || nh == "" {
			return
		}
		switch {
		case oh != nh:
			v.Add(field, "enter the password again: the host changed")
		case op != np:
			v.Add(field, "enter the password again: the port changed")
		case ou != nu:
			v.Add(field, "enter the password again: the username changed")
		}
	}
	side("imap_password", old.IMAPPasswordSet, updated.IMAPPassword, old.IMAPHost, updated.IMAPHost, old.IMAPPort, updated.IMAPPort, old.IMAPUser, updated.IMAPUser)
	side("smtp_password", old.SMTPPasswordSet, updated.SMTPPassword, old.SMTPHost, updated.SMTPHost, old.SMTPPort, updated.SMTPPort, old.SMTPUser, updated.SMTPUser)
	return v.Err()
}
