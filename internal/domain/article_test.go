package domain

import "testing"

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Reset your password!":        "reset-your-password",
		"  Crème brûlée -- recipes  ": "creme-brulee-recipes",
		"Wi-Fi & Bluetooth (2024)":    "wi-fi-bluetooth-2024",
		"!!!":                         "",
		"Проблемы с оплатой":          "проблемы-с-оплатой",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if want != "" && !ValidSlug(want) {
			t.Errorf("ValidSlug(%q) false", want)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a--b", "A", "a b", "a/b"} {
		if ValidSlug(bad) {
			t.Errorf("ValidSlug(%q) true", bad)
		}
	}
}

// Only an agent's own public reply with words in it can become an article:
// not notes, not the customer's messages, not API/system messages, not blanks.
func TestLastAgentReply(t *testing.T) {
	agent := int64(7)
	tk := &Ticket{Timeline: []Entry{
		{ID: 1, Kind: EntryMessage, Direction: Inbound, Body: "Help"},
		{ID: 2, Kind: EntryMessage, Direction: Outbound, AuthorUserID: &agent, Body: "Try turning it off and on."},
		{ID: 3, Kind: EntryNote, AuthorUserID: &agent, Body: "internal"},
		{ID: 4, Kind: EntryMessage, Direction: Outbound, Body: "automatic reply"},
		{ID: 5, Kind: EntryMessage, Direction: Outbound, AuthorUserID: &agent, Body: "  "},
		{ID: 6, Kind: EntryMessage, Direction: Inbound, Body: "Thanks"},
	}}
	if got := tk.LastAgentReply(); got == nil || got.ID != 2 {
		t.Fatalf("LastAgentReply = %+v, want entry 2", got)
	}
	tk.Timeline = tk.Timeline[2:]
	if got := tk.LastAgentReply(); got != nil {
		t.Fatalf("LastAgentReply = %+v, want none", got)
	}
}
