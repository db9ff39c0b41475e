package workspace

import (
	"net/http"
	"strconv"

	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/store"
)

// notifyForm tells every linked customer about the countermeasure, then
// shows the problem page with what really happened: how many customers
// were reached and how, and one line per customer nobody could reach. The
// outcome is rendered, not flashed: the list can be long, and it is the
// record of a promise kept (or not).
func (s *Handler) notifyForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	res, err := s.db.NotifyProblem(r.Context(), id, store.NotifyRequest{Template: r.PostForm.Get("template"),
		Force: r.PostForm.Get("force") == "1"}, httpx.Actor(u))
	if err != nil {
		return formDone(w, r, problemURL(id), err, "")
	}
	return s.renderProblem(w, r, u, id, res)
}

// notifyOutcome is the problem page's account of a notification.
type notifyOutcome struct {
	Notified, ByEmail, ByChat int
	AlreadyTold               int // tickets skipped because they were told before
	Unreachable               []unreachableLine
}

type unreachableLine struct {
	TicketID          int64
	Ref, Name, Reason string
}

// outcomeOf turns the store's result into the page's lines, naming each
// ticket by its reference as the page does elsewhere.
func outcomeOf(res *store.NotifyResult, p *domain.Problem) *notifyOutcome {
	if res == nil {
		return nil
	}
	refs := map[int64]string{}
	for _, t := range p.Tickets {
		refs[t.ID] = t.Ref()
	}
	o := &notifyOutcome{Notified: res.Notified, ByEmail: res.ByChannel[string(domain.ChannelEmail)], ByChat: res.ByChannel[string(domain.ChannelChat)]}
	o.AlreadyTold = len(res.Skipped) - len(res.Unreachable)
	for _, u := range res.Unreachable {
		ref := refs[u.TicketID]
		if ref == "" {
			ref = "ticket " + strconv.FormatInt(u.TicketID, 10)
		}
		o.Unreachable = append(o.Unreachable, unreachableLine{TicketID: u.TicketID, Ref: ref, Name: u.Name, Reason: u.Reason})
	}
	return o
}
