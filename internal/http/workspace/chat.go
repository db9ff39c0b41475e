package workspace

import (
	"andon/internal/http/httpx"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"andon/internal/domain"
)

// Live chat, agent side: availability (the top-bar toggle), a small event
// stream for chat alerts and read receipts (chat-agent.js), and marking a
// chat read. Replies use the ticket composer like every channel.

// agentStatusTTL is how long "available" lasts without a heartbeat; the
// workspace repeats it every minute, so a closed laptop turns away.
const agentStatusTTL = 150 * time.Second

type agentStatusIn struct {
	Status string `json:"status"`
}

type agentStatusOut struct {
	Status string `json:"status"`
}

func (s *Handler) getAgentStatus(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	st, err := s.db.AgentStatus(r.Context(), u.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, agentStatusOut{Status: st})
	return nil
}

func (s *Handler) postAgentStatus(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in agentStatusIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.db.SetAgentStatus(r.Context(), u.ID, in.Status, s.db.Now().Add(agentStatusTTL)); err != nil {
		return err
	}
	s.chat.ForgetOnline()
	httpx.WriteJSON(w, http.StatusOK, agentStatusOut{Status: in.Status})
	return nil
}

// chatTicketOut is what chat-agent.js needs on a ticket page.
type chatTicketOut struct {
	Chat        bool  `json:"chat"`
	Offline     bool  `json:"offline"`
	Ended       bool  `json:"ended"`
	VisitorRead int64 `json:"visitor_read"`
	AgentRead   int64 `json:"agent_read"`
	// Files sent by the visitor, for download links under their entries.
	Files []domain.Attachment `json:"files"`
}

func (s *Handler) getChatTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	cs, err := s.db.ChatSession(r.Context(), id)
	if isNotFoundErr(err) {
		httpx.WriteJSON(w, http.StatusOK, chatTicketOut{})
		return nil
	}
	if err != nil {
		return err
	}
	files, err := s.db.Attachments(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, chatTicketOut{Chat: true, Offline: cs.Offline, Ended: cs.EndedAt != nil, VisitorRead: cs.VisitorRead,
		AgentRead: cs.AgentRead, Files: files})
	return nil
}

// chatFile is GET /chat/files/{id}: an agent downloads a file a visitor sent
// (as a download with a safe type, like every attachment).
func (s *Handler) chatFile(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "attachment")
	if err != nil {
		return err
	}
	a, data, err := s.db.AttachmentData(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeAttachment(w, a, data)
	return nil
}

type chatReadIn struct {
	EntryID int64 `json:"entry_id"`
}

// postChatRead records that an agent saw a chat up to an entry; the visitor
// sees "Seen".
func (s *Handler) postChatRead(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	var in chatReadIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := s.db.MarkChatRead(r.Context(), id, false, in.EntryID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func isNotFoundErr(err error) bool { return domain.ErrorCode(err) == domain.ENotFound }

// chatEvents is GET /chat/events: chat changes for the agent's workspace
// (new chats for the alert, read receipts, chat ended), ids only.
func (s *Handler) chatEvents(w http.ResponseWriter, r *http.Request) {
	viewer := newStreamViewer(s.db, httpx.UserFrom(r.Context()))
	sub := s.events.Subscribe()
	defer sub.Close()
	rc := http.NewResponseController(w)
	// The stream outlives the server's read and write timeouts.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 3000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			_, err = io.WriteString(w, ": ping\n\n")
		case e, ok := <-sub.C:
			if !ok {
				return
			}
			c := e.Change
			if c == nil || !viewer.allow(r.Context(), e) {
				continue
			}
			switch c.Kind {
			case domain.ChangeChatStarted, domain.ChangeChatRead, domain.ChangeChatEnded, domain.ChangeEntryCreated:
				out := map[string]any{"kind": c.Kind, "ticket_id": c.TicketID, "entry_id": c.EntryID}
				if c.Kind == domain.ChangeChatRead {
					out["by"] = chatDataString(c.Data, "by")
				}
				b, _ := json.Marshal(out)
				_, err = fmt.Fprintf(w, "event: chat\ndata: %s\n\n", b)
			default:
				continue
			}
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

func chatDataString(data any, key string) string {
	if m, ok := data.(map[string]any); ok {
		v, _ := m[key].(string)
		return v
	}
	return ""
}
