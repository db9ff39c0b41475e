package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// activeStatuses are the statuses someone still has to act on.
var activeStatuses = []domain.Status{domain.StatusNew, domain.StatusOpen, domain.StatusPending, domain.StatusOnHold}

// inboxView is one entry of the inbox's view list.
type inboxView struct {
	Key     string // "view=mine", "team=3", "channel=phone", "tag=billing"
	Label   string
	URL     string
	Count   int
	Counted bool
	Current bool
}

type inboxData struct {
	Heading   string
	Tickets   []*domain.Ticket
	Views     []inboxView
	Teams     []inboxView
	Channels  []inboxView
	Tags      []inboxView
	Sort      domain.TicketSort
	Sorts     []sortOption
	Base      string // the current view's query, without sort or cursor
	SortURL   string // Base with the sort, without cursor
	NextURL   string
	FirstURL  string // set when on a later page
	Agents    []*domain.User
	Next      string // this page, for returning after a bulk action
	AllTeams  []*domain.Team
	ViewValue string // value of the mobile view picker
	ByAge     bool   // rows show when each ticket was opened, not last activity
}

type sortOption struct {
	Value domain.TicketSort
	Label string
}

var sorts = []sortOption{
	{domain.SortUpdated, "Last activity"},
	{domain.SortPriority, "Priority"},
	{domain.SortOldest, "Oldest first"},
	{domain.SortNewest, "Newest first"},
}

// inbox is the home page: every ticket from every channel, by view.
func (s *Handler) inbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if u.IsCollaborator() {
		// Upstream collaborators reach only their problems; that board is their home.
		http.Redirect(w, r, "/problems", http.StatusSeeOther)
		return nil
	}
	ctx := r.Context()
	q := r.URL.Query()
	if g := q.Get("goto"); g != "" {
		// The phone view picker and the sort form submit the view as one value.
		to, err := url.ParseQuery(g)
		if err != nil {
			return domain.NotFound("view")
		}
		if sort := q.Get("sort"); sort != "" && sort != string(domain.SortUpdated) {
			to.Set("sort", sort)
		}
		http.Redirect(w, r, "/?"+to.Encode(), http.StatusSeeOther)
		return nil
	}
	f := domain.TicketFilter{Limit: 50, Cursor: q.Get("after"), Sort: domain.TicketSort(q.Get("sort"))}
	if f.Sort == "" || !f.Sort.Valid() {
		f.Sort = domain.SortUpdated
	}
	d := &inboxData{Sort: f.Sort, Sorts: sorts, ByAge: f.Sort == domain.SortOldest || f.Sort == domain.SortNewest}
	view := q.Get("view")
	base := url.Values{}
	switch {
	case q.Get("team") != "":
		id, err := strconv.ParseInt(q.Get("team"), 10, 64)
		if err != nil || id <= 0 {
			return domain.NotFound("team")
		}
		f.TeamID, f.Statuses = &id, activeStatuses
		base.Set("team", q.Get("team"))
	case q.Get("channel") != "":
		ch := domain.Channel(q.Get("channel"))
		if !ch.Valid() {
			return domain.NotFound("channel")
		}
		f.Channel, f.Statuses = ch, activeStatuses
		base.Set("channel", string(ch))
		d.Heading = web.ChannelLabel(ch)
	case q.Get("tag") != "":
		f.Tag, f.Statuses = q.Get("tag"), activeStatuses
		base.Set("tag", f.Tag)
		d.Heading = "Tagged “" + f.Tag + "”"
	default:
		if view == "" {
			view = "open"
		}
		switch view {
		case "mine":
			f.AssigneeID, f.Statuses = &u.ID, activeStatuses
		case "unassigned":
			none := int64(0)
			f.AssigneeID, f.Statuses = &none, []domain.Status{domain.StatusNew, domain.StatusOpen}
		case "open":
			f.Statuses = []domain.Status{domain.StatusNew, domain.StatusOpen}
		case "pending":
			f.Statuses = []domain.Status{domain.StatusPending}
		case "on_hold":
			f.Statuses = []domain.Status{domain.StatusOnHold}
		case "solved":
			f.Statuses = []domain.Status{domain.StatusSolved, domain.StatusClosed}
		case "all":
		default:
			return domain.NotFound("view")
		}
		base.Set("view", view)
	}
	current := base.Encode()
	d.ViewValue = current
	page, err := s.db.Tickets(ctx, f)
	if domain.ErrorCode(err) == domain.EInvalid && f.Cursor != "" {
		// A stale or hand-edited cursor: start the view from the top.
		http.Redirect(w, r, "/?"+current, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	d.Tickets = page.Tickets
	d.Base = "/?" + current
	withSort := url.Values{}
	for k, v := range base {
		withSort[k] = v
	}
	if f.Sort != domain.SortUpdated {
		withSort.Set("sort", string(f.Sort))
	}
	d.SortURL = "/?" + withSort.Encode()
	if page.NextCursor != "" {
		withSort.Set("after", page.NextCursor)
		d.NextURL = "/?" + withSort.Encode()
	}
	if f.Cursor != "" {
		d.FirstURL = d.SortURL
	}
	d.Next = r.URL.RequestURI()
	if err := s.inboxViews(r, u, d, current); err != nil {
		return err
	}
	title := d.Heading
	for _, v := range append(append(append([]inboxView{}, d.Views...), d.Teams...), d.Tags...) {
		if v.Current {
			title = v.Label
		}
	}
	d.Heading = title
	return s.render(w, r, http.StatusOK, "inbox", &web.Page{Title: title, Nav: "inbox", Data: d})
}

// inboxViews fills the view list with counts taken from the status index.
func (s *Handler) inboxViews(r *http.Request, u *domain.User, d *inboxData, current string) error {
	ctx := r.Context()
	count := func(me *int64, sts ...domain.Status) (int, error) {
		total := 0
		for _, st := range sts {
			n, err := s.db.CountTickets(ctx, st, me)
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	}
	type def struct {
		key, label string
		me         *int64
		sts        []domain.Status
	}
	defs := []def{
		{"mine", "Mine", &u.ID, activeStatuses},
		{"unassigned", "Unassigned", nil, nil},
		{"open", "All open", nil, []domain.Status{domain.StatusNew, domain.StatusOpen}},
		{"pending", "Pending", nil, []domain.Status{domain.StatusPending}},
		{"on_hold", "On hold", nil, []domain.Status{domain.StatusOnHold}},
		{"solved", "Solved", nil, nil},
		{"all", "All tickets", nil, nil},
	}
	for _, df := range defs {
		v := inboxView{Key: "view=" + df.key, Label: df.label, URL: "/?view=" + df.key}
		if df.key == "unassigned" {
			n, err := s.db.CountUnassigned(ctx, domain.StatusNew, domain.StatusOpen)
			if err != nil {
				return err
			}
			v.Count, v.Counted = n, true
		}
		if df.sts != nil {
			n, err := count(df.me, df.sts...)
			if err != nil {
				return err
			}
			v.Count, v.Counted = n, true
		}
		v.Current = v.Key == current
		d.Views = append(d.Views, v)
	}
	teams, err := s.db.Teams(ctx)
	if err != nil {
		return err
	}
	d.AllTeams = teams
	for _, t := range teams {
		key := "team=" + strconv.FormatInt(t.ID, 10)
		d.Teams = append(d.Teams, inboxView{Key: key, Label: t.Name, URL: "/?" + key, Current: key == current})
	}
	for _, ch := range domain.Channels {
		key := "channel=" + string(ch)
		d.Channels = append(d.Channels, inboxView{Key: key, Label: web.ChannelLabel(ch), URL: "/?" + key, Current: key == current})
	}
	tags, err := s.db.PopularTags(ctx, 12)
	if err != nil {
		return err
	}
	for _, t := range tags {
		key := url.Values{"tag": {t}}.Encode()
		d.Tags = append(d.Tags, inboxView{Key: key, Label: t, URL: "/?" + key, Current: key == current})
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	for _, a := range users {
		if a.Active {
			d.Agents = append(d.Agents, a)
		}
	}
	return nil
}

// bulkTickets applies one change (assign, status, tag) to the checked rows.
func (s *Handler) bulkTickets(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EBadRequest, "could not read the form")
	}
	back := httpx.SafeNext(r.PostForm.Get("next"))
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return domain.Errorf(domain.EBadRequest, "bad ticket id")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		httpx.Redirect(w, r, back, "Select tickets first, then choose an action.")
		return nil
	}
	var b store.BulkUpdate
	switch a := r.PostForm.Get("assignee"); a {
	case "":
	case "none":
		b.Update.ClearAssignee = true
	case "me":
		b.Update.AssigneeID = &u.ID
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return domain.Errorf(domain.EBadRequest, "bad assignee")
		}
		b.Update.AssigneeID = &id
	}
	if st := r.PostForm.Get("status"); st != "" {
		status := domain.Status(st)
		b.Update.Status = &status
	}
	b.AddTag = strings.TrimSpace(r.PostForm.Get("tag"))
	if b.Update.Status == nil && b.Update.AssigneeID == nil && !b.Update.ClearAssignee && b.AddTag == "" {
		httpx.Redirect(w, r, back, "Choose what to change: assignee, status or tag.")
		return nil
	}
	n, err := s.db.BulkUpdateTickets(r.Context(), ids, b, httpx.Actor(u))
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.ENotFound {
			httpx.Redirect(w, r, back, "Nothing changed: "+domain.ErrorMessage(err))
			return nil
		}
		return err
	}
	msg := "Updated " + strconv.Itoa(n) + " tickets."
	if n == 1 {
		msg = "Updated 1 ticket."
	}
	httpx.Redirect(w, r, back, msg)
	return nil
}
