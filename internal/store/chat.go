package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"andon/internal/domain"
	"andon/internal/settings"
)

// Live chat storage: visitors, chat sessions (one per chat ticket), client
// message ids (so a resend after a dropped connection is stored once) and
// agent availability.

// CreateChatVisitor registers a browser. Its contact is always a new one:
// an email given in the widget is only a claim (ChatVisitor.ClaimedEmail)
// until a confirmation link proves it (ConfirmChatEmail), so a stranger
// cannot join a customer's history by typing their address.
func (db *DB) CreateChatVisitor(ctx context.Context, id, tokenHash, name, email string, teamID *int64) (*domain.ChatVisitor, error) {
	err := db.Update(ctx, func(tx *Tx) error {
		cid, err := tx.findOrCreateContact(ctx, name, []domain.Identity{{Kind: domain.IdentityVisitor, Value: id}})
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO chat_visitors (id, token_hash, contact_id, team_id, created_at, claimed_email) VALUES (?, ?, ?, ?, ?, ?)`,
			id, tokenHash, cid, nullID(teamID), ms(tx.db.Now()), email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.ChatVisitor(ctx, id)
}

// ChatVisitor loads a visitor with its contact's name and email.
func (db *DB) ChatVisitor(ctx context.Context, id string) (*domain.ChatVisitor, error) {
	v := &domain.ChatVisitor{}
	var team sql.NullInt64
	err := db.queryRow(ctx, `SELECT v.id, v.token_hash, v.contact_id, v.team_id, c.name,
		COALESCE((SELECT i.value FROM identities i WHERE i.contact_id = c.id AND i.kind = 'email' ORDER BY i.id LIMIT 1), ''), v.claimed_email
		FROM chat_visitors v JOIN contacts c ON c.id = v.contact_id WHERE v.id = ?`, id).
		Scan(&v.ID, &v.TokenHash, &v.ContactID, &team, &v.Name, &v.Email, &v.ClaimedEmail)
	if isNoRows(err) {
		return nil, domain.NotFound("visitor")
	}
	if err != nil {
		return nil, err
	}
	v.TeamID = idPtr(team)
	return v, nil
}

const chatSessionCols = `ticket_id, visitor_id, offline, visitor_read, agent_read, created_at, ended_at`

func scanChatSession(sc interface{ Scan(...any) error }) (*domain.ChatSession, error) {
	s := &domain.ChatSession{}
	var created int64
	var ended sql.NullInt64
	if err := sc.Scan(&s.TicketID, &s.VisitorID, &s.Offline, &s.VisitorRead, &s.AgentRead, &created, &ended); err != nil {
		return nil, err
	}
	s.CreatedAt, s.EndedAt = fromMS(created), fromNullMS(ended)
	return s, nil
}

// CurrentChat is the visitor's open chat, or domain.NotFound.
func (db *DB) CurrentChat(ctx context.Context, visitorID string) (*domain.ChatSession, error) {
	s, err := scanChatSession(db.queryRow(ctx, `SELECT `+chatSessionCols+` FROM chat_sessions
		WHERE visitor_id = ? AND ended_at IS NULL ORDER BY ticket_id DESC LIMIT 1`, visitorID))
	if isNoRows(err) {
		return nil, domain.NotFound("chat")
	}
	return s, err
}

// ChatSession is the chat behind a ticket, or domain.NotFound when the
// ticket is not a chat.
func (db *DB) ChatSession(ctx context.Context, ticketID int64) (*domain.ChatSession, error) {
	s, err := scanChatSession(db.queryRow(ctx, `SELECT `+chatSessionCols+` FROM chat_sessions WHERE ticket_id = ?`, ticketID))
	if isNoRows(err) {
		return nil, domain.NotFound("chat")
	}
	return s, err
}

// VisitorTickets lists the ids of every chat ticket of a visitor.
func (db *DB) VisitorTickets(ctx context.Context, visitorID string) ([]int64, error) {
	rows, err := db.query(ctx, `SELECT ticket_id FROM chat_sessions WHERE visitor_id = ? ORDER BY ticket_id`, visitorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ChatMessage loads one message of the visitor's chats.
func (db *DB) ChatMessage(ctx context.Context, visitorID string, entryID int64) (*domain.ChatMessage, error) {
	msgs, err := db.chatMessages(ctx, `e.id = ? AND e.ticket_id IN (SELECT ticket_id FROM chat_sessions WHERE visitor_id = ?)`, entryID, visitorID)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, domain.NotFound("message")
	}
	return &msgs[0], nil
}

func chatSubject(v *domain.ChatVisitor, body string) string {
	s := []rune(strings.Join(strings.Fields(body), " "))
	if len(s) > 80 {
		s = append(s[:79], '…')
	}
	return "Chat: " + string(s)
}

// ChatMessagesSince returns the public messages of every chat of the visitor
// with an id above after, oldest first: history for a new connection and
// what a reconnecting one missed.
func (db *DB) ChatMessagesSince(ctx context.Context, visitorID string, after int64, limit int) ([]domain.ChatMessage, error) {
	return db.ChatMessagesRecent(ctx, visitorID, 0, after, time.Time{}, limit)
}

// ChatMessagesRecent is ChatMessagesSince that also returns messages created
// after recent (when not zero) whatever their id, all above from. On
// PostgreSQL ids are taken at INSERT but seen at COMMIT, so a message can
// appear below an id already sent; this bounded look-back finds it.
func (db *DB) ChatMessagesRecent(ctx context.Context, visitorID string, from, after int64, recent time.Time, limit int) ([]domain.ChatMessage, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	// One query per chat, each an index range on entries(ticket_id, id): a
	// join through chat_sessions let PostgreSQL pick a sequential scan of
	// entries while its statistics lagged a fast-growing table, and at a
	// thousand messages a second those scans ate the database.
	tickets, err := db.VisitorTickets(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	var out []domain.ChatMessage
	for _, t := range tickets {
		var msgs []domain.ChatMessage
		if recent.IsZero() {
			msgs, err = db.chatMessages(ctx, `e.ticket_id = ? AND e.id > ? ORDER BY e.id LIMIT `+fmt.Sprint(limit), t, max(after, from))
		} else {
			msgs, err = db.chatMessages(ctx, `e.ticket_id = ? AND e.id > ? AND (e.id > ? OR e.created_at > ?) ORDER BY e.id LIMIT `+fmt.Sprint(limit),
				t, from, after, ms(recent))
		}
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	if len(tickets) > 1 {
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// chatMessages loads public message entries matching where (on entries e).
func (db *DB) chatMessages(ctx context.Context, where string, args ...any) ([]domain.ChatMessage, error) {
	rows, err := db.query(ctx, `SELECT e.id, e.ticket_id, e.direction, e.author_user_id IS NOT NULL, COALESCE(u.name, ''), e.body, e.meta, e.created_at,
		EXISTS (SELECT 1 FROM attachments a WHERE a.entry_id = e.id)
		FROM entries e LEFT JOIN users u ON u.id = e.author_user_id
		WHERE e.kind = 'message' AND `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.ChatMessage
	byID := map[int64]int{}
	var withFiles []int64
	for rows.Next() {
		var m domain.ChatMessage
		var dir, meta string
		var agent, files bool
		if err := rows.Scan(&m.ID, &m.TicketID, &dir, &agent, &m.Name, &m.Body, &meta, &m.At, &files); err != nil {
			return nil, err
		}
		m.From = "visitor"
		if dir == string(domain.Outbound) {
			m.From = "agent"
		} else {
			m.Name = ""
		}
		if i := strings.Index(meta, `"chat_client_id":"`); i >= 0 {
			rest := meta[i+len(`"chat_client_id":"`):]
			if j := strings.IndexByte(rest, '"'); j >= 0 {
				m.ClientID = rest[:j]
			}
		}
		if files {
			withFiles = append(withFiles, m.ID)
		}
		byID[m.ID] = len(out)
		out = append(out, m)
	}
	// Files are rare: skip the second query (its text differs every time,
	// so PostgreSQL would prepare it anew) when no message has any.
	if err := rows.Err(); err != nil || len(withFiles) == 0 {
		return out, err
	}
	frows, err := db.query(ctx, `SELECT id, entry_id, filename, content_type, size FROM attachments WHERE entry_id IN (`+idList(withFiles)+`) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var f domain.ChatFile
		var entry int64
		if err := frows.Scan(&f.ID, &entry, &f.Name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		if i, ok := byID[entry]; ok {
			out[i].Files = append(out[i].Files, f)
		}
	}
	return out, frows.Err()
}

// ChatAttachment loads a file of one of the visitor's own chats.
func (db *DB) ChatAttachment(ctx context.Context, visitorID string, id int64) (*domain.Attachment, []byte, error) {
	a, data, err := db.AttachmentData(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var one int
	err = db.queryRow(ctx, `SELECT 1 FROM chat_sessions WHERE ticket_id = ? AND visitor_id = ?`, a.TicketID, visitorID).Scan(&one)
	if isNoRows(err) {
		return nil, nil, domain.NotFound("attachment") // someone else's file: as if it did not exist
	}
	if err != nil {
		return nil, nil, err
	}
	return a, data, nil
}

// MarkChatRead records that one side has seen the chat up to entryID, and
// reports whether that moved anything.
func (db *DB) MarkChatRead(ctx context.Context, ticketID int64, byVisitor bool, entryID int64) (bool, error) {
	col := "agent_read"
	if byVisitor {
		col = "visitor_read"
	}
	res, err := db.w.ExecContext(ctx, db.rebind(`UPDATE chat_sessions SET `+col+` = ? WHERE ticket_id = ? AND `+col+` < ?
		AND ? <= (SELECT COALESCE(MAX(id), 0) FROM entries WHERE ticket_id = ?)`), entryID, ticketID, entryID, entryID, ticketID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n > 0 {
		by := "agent"
		if byVisitor {
			by = "visitor"
		}
		db.publish(domain.Change{Kind: domain.ChangeChatRead, TicketID: ticketID, EntryID: entryID, Data: map[string]any{"by": by}})
	}
	return n > 0, err
}

// EndChat closes the visitor's open chat (the ticket stays for the agents).
func (db *DB) EndChat(ctx context.Context, visitorID string) (int64, error) {
	s, err := db.CurrentChat(ctx, visitorID)
	if err != nil {
		return 0, err
	}
	if _, err := db.w.ExecContext(ctx, db.rebind(`UPDATE chat_sessions SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL`),
		ms(db.Now()), s.TicketID); err != nil {
		return 0, err
	}
	db.publish(domain.Change{Kind: domain.ChangeChatEnded, TicketID: s.TicketID})
	return s.TicketID, nil
}

// EndIdleChats ends every open chat with no timeline activity since before
// and returns their tickets. Safe on several nodes at once: a chat ended by
// another node is neither ended nor announced twice.
func (db *DB) EndIdleChats(ctx context.Context, before time.Time) ([]int64, error) {
	cut := ms(before)
	rows, err := db.query(ctx, `SELECT s.ticket_id FROM chat_sessions s WHERE s.ended_at IS NULL AND s.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = s.ticket_id AND e.created_at >= ?)
		ORDER BY s.ticket_id LIMIT 500`, cut, cut)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ended []int64
	for _, id := range ids {
		res, err := db.w.ExecContext(ctx, db.rebind(`UPDATE chat_sessions SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = ? AND e.created_at >= ?)`), ms(db.Now()), id, id, cut)
		if err != nil {
			return ended, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			db.publish(domain.Change{Kind: domain.ChangeChatEnded, TicketID: id, Data: map[string]any{"reason": "idle"}})
			ended = append(ended, id)
		}
	}
	return ended, nil
}

// EnqueueChatTranscript queues the visitor's chat ticket as an email to
// address (rate-limited: at most 20 a day per address). The caller decides
// that the visitor has proven address (ChatAddressProven).
func (db *DB) EnqueueChatTranscript(ctx context.Context, visitorID string, ticketID int64, address string) error {
	to, ok := domain.NormalizeEmail(address)
	if !ok {
		return &domain.Error{Code: domain.EInvalid, Message: "not a valid email address", Fields: map[string]string{"email": "not a valid email address"}}
	}
	body, err := db.chatTranscriptBody(ctx, visitorID, ticketID)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error { return tx.enqueueChatTranscript(ctx, ticketID, to, body) })
}

// chatTranscriptBody is the Markdown of the visitor's chat ticket.
func (db *DB) chatTranscriptBody(ctx context.Context, visitorID string, ticketID int64) (string, error) {
	s, err := db.ChatSession(ctx, ticketID)
	if err != nil || s.VisitorID != visitorID {
		return "", domain.NotFound("chat")
	}
	t, err := db.Ticket(ctx, ticketID)
	if err != nil {
		return "", err
	}
	msgs, err := db.chatMessages(ctx, `e.ticket_id = ? ORDER BY e.id`, ticketID)
	if err != nil {
		return "", err
	}
	brand, err := settings.Brand(ctx, db)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Your chat with %s (%s)\n\n", brand.Name, t.Ref())
	for _, m := range msgs {
		who := "You"
		if m.From == "agent" {
			who = m.Name
		}
		// Chat text is the visitor's: shown as typed, never as Markdown.
		fmt.Fprintf(&b, "\\[%s\\] %s:\n%s\n\n", time.UnixMilli(m.At).UTC().Format("2006-01-02 15:04 UTC"),
			domain.EscapeMarkdown(who), domain.EscapeMarkdown(m.Body))
	}
	return b.String(), nil
}

func (tx *Tx) enqueueChatTranscript(ctx context.Context, ticketID int64, to, body string) error {
	n, err := tx.CountMailSince(ctx, domain.OutboxReply, to, tx.db.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if n >= 20 {
		return domain.Errorf(domain.ERateLimited, "too many emails to this address today")
	}
	mc, err := tx.TicketMailContext(ctx, ticketID)
	if err != nil {
		return err
	}
	o := &domain.OutboxMessage{Kind: domain.OutboxReply, TicketID: &ticketID, MailboxID: mc.MailboxID, To: []string{to},
		Subject: domain.ReplySubject("Chat transcript", ticketID), Body: body}
	_, err = tx.EnqueueMail(ctx, o)
	return err
}

// SetAgentStatus records an agent's chat availability until expires.
func (db *DB) SetAgentStatus(ctx context.Context, userID int64, status string, expires time.Time) error {
	if status != domain.AgentAvailable && status != domain.AgentAway {
		return &domain.Error{Code: domain.EInvalid, Message: "status must be available or away", Fields: map[string]string{"status": "must be available or away"}}
	}
	_, err := db.w.ExecContext(ctx, db.rebind(`INSERT INTO agent_status (user_id, status, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at`), userID, status, ms(expires))
	return err
}

// AgentStatus is an agent's current availability ("away" once expired).
func (db *DB) AgentStatus(ctx context.Context, userID int64) (string, error) {
	var st string
	var exp int64
	err := db.queryRow(ctx, `SELECT status, expires_at FROM agent_status WHERE user_id = ?`, userID).Scan(&st, &exp)
	if isNoRows(err) || (err == nil && exp <= ms(db.Now())) {
		return domain.AgentAway, nil
	}
	return st, err
}

// AgentsAvailable counts active agents available for chat: members of the
// team when teamID is set, else anyone.
func (db *DB) AgentsAvailable(ctx context.Context, teamID *int64) (int, error) {
	q := `SELECT COUNT(*) FROM agent_status a JOIN users u ON u.id = a.user_id
		WHERE a.status = 'available' AND a.expires_at > ? AND u.active`
	args := []any{ms(db.Now())}
	if teamID != nil {
		q += ` AND a.user_id IN (SELECT user_id FROM team_members WHERE team_id = ?)`
		args = append(args, *teamID)
	}
	var n int
	err := db.queryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// TeamByRef finds a team by id or by name (case-insensitive).
func (db *DB) TeamByRef(ctx context.Context, ref string) (*int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM teams WHERE CAST(id AS TEXT) = ? OR LOWER(name) = LOWER(?) ORDER BY id LIMIT 1`, ref, ref).Scan(&id)
	if isNoRows(err) {
		return nil, domain.NotFound("team")
	}
	if err != nil {
		return nil, err
	}
	return &id, nil
}
