// Package imap fetches new mail from each mailbox's IMAP server: by UID,
// remembering UIDVALIDITY and the last UID stored, waiting with IDLE when
// the server offers it. A message is marked \Seen and the position advanced
// only after its ticket entry is committed, so a crash re-fetches (and
// Message-ID dedupe absorbs) rather than skips.
package imap

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"andon/internal/domain"
	amail "andon/internal/mail"
	"andon/internal/mail/ingest"
	"andon/internal/store"
)

// Poller runs one loop per mailbox with an IMAP host.
type Poller struct {
	DB        *store.DB
	Box       *amail.Box
	Ingester  *ingest.Ingester
	Log       *slog.Logger
	TLSConfig *tls.Config   // tests trust their own CA
	Interval  time.Duration // without IDLE, and between reconnects (default 60s)
	IdleFor   time.Duration // how long one IDLE lasts before re-checking (default 10m)
}

// Run polls every configured mailbox until ctx ends, picking up mailboxes
// added or changed by admins.
func (p *Poller) Run(ctx context.Context) {
	running := map[int64]context.CancelFunc{}
	versions := map[int64]time.Time{}
	var wg sync.WaitGroup
	defer func() {
		for _, c := range running {
			c()
		}
		wg.Wait()
	}()
	for {
		mbs, err := p.DB.Mailboxes(ctx)
		if err != nil && ctx.Err() == nil {
			p.Log.Warn("imap: list mailboxes", "err", err)
		}
		seen := map[int64]bool{}
		for _, mb := range mbs {
			if mb.IMAPHost == "" {
				continue
			}
			seen[mb.ID] = true
			if c, ok := running[mb.ID]; ok && versions[mb.ID].Equal(mb.UpdatedAt) {
				continue
			} else if ok {
				c() // settings changed: restart with the new ones
			}
			mctx, cancel := context.WithCancel(ctx)
			running[mb.ID], versions[mb.ID] = cancel, mb.UpdatedAt
			wg.Add(1)
			go func(id int64) {
				defer wg.Done()
				p.loop(mctx, id)
			}(mb.ID)
		}
		for id, c := range running {
			if !seen[id] {
				c()
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}

func (p *Poller) interval() time.Duration {
	if p.Interval > 0 {
		return p.Interval
	}
	return time.Minute
}

// loop keeps one mailbox in sync, reconnecting after errors.
func (p *Poller) loop(ctx context.Context, id int64) {
	for ctx.Err() == nil {
		if err := p.session(ctx, id); err != nil && ctx.Err() == nil {
			p.Log.Warn("imap: session ended", "mailbox_id", id, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.interval()):
		}
	}
}

// session connects once and syncs until an error or ctx ends.
func (p *Poller) session(ctx context.Context, id int64) error {
	mb, err := p.DB.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	c, newMail, err := p.connect(ctx, mb)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for ctx.Err() == nil {
		if _, err := p.SyncOnce(ctx, c, mb); err != nil {
			return err
		}
		if !c.Caps().Has(goimap.CapIdle) {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(p.interval()):
			}
			if err := c.Noop().Wait(); err != nil {
				return err
			}
			continue
		}
		if err := p.idle(ctx, c, newMail); err != nil {
			return err
		}
	}
	return nil
}

func (p *Poller) idle(ctx context.Context, c *imapclient.Client, newMail <-chan struct{}) error {
	idleFor := p.IdleFor
	if idleFor == 0 {
		idleFor = 10 * time.Minute
	}
	cmd, err := c.Idle()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-newMail:
	case <-time.After(idleFor):
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	return cmd.Wait()
}

func (p *Poller) connect(ctx context.Context, mb *domain.Mailbox) (*imapclient.Client, <-chan struct{}, error) {
	pass, err := p.Box.Open(mb.IMAPPassword)
	if err != nil {
		return nil, nil, err
	}
	newMail := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: p.tlsConfig(mb.IMAPHost),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(mb.IMAPHost, strconv.Itoa(mb.IMAPPort)))
	if err != nil {
		return nil, nil, err
	}
	var c *imapclient.Client
	switch mb.IMAPTLS {
	case domain.TLSImplicit:
		c = imapclient.New(tls.Client(conn, opts.TLSConfig), opts)
	case domain.TLSStart:
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			return nil, nil, err
		}
	default:
		c = imapclient.New(conn, opts)
	}
	if err := c.Login(mb.IMAPUser, pass).Wait(); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("login: %w", err)
	}
	return c, newMail, nil
}

func (p *Poller) tlsConfig(host string) *tls.Config {
	if p.TLSConfig != nil {
		c := p.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// SyncOnce selects the folder and imports every message after the last
// stored UID, one at a time, in UID order. It returns how many it stored.
func (p *Poller) SyncOnce(ctx context.Context, c *imapclient.Client, mb *domain.Mailbox) (int, error) {
	sel, err := c.Select(mb.IMAPFolder, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("select %s: %w", mb.IMAPFolder, err)
	}
	last := mb.LastUID
	// First sync of a new mailbox: take only unread mail, not years of
	// history. The position is saved with UIDVALIDITY 0 until the first
	// sync completes, so an interrupted one resumes the same way.
	first := mb.UIDValidity == 0
	if !first && sel.UIDValidity != mb.UIDValidity {
		// The server renumbered: rescan; Message-ID dedupe keeps already
		// imported mail from doubling.
		p.Log.Warn("imap: UIDVALIDITY changed, rescanning", "mailbox", mb.Address)
		last = 0
	}
	crit := &goimap.SearchCriteria{UID: []goimap.UIDSet{{goimap.UIDRange{Start: goimap.UID(last + 1), Stop: 0}}}}
	if first {
		crit.NotFlag = []goimap.Flag{goimap.FlagSeen}
	}
	validity := sel.UIDValidity
	if first {
		validity = 0
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	n := 0
	for _, uid := range uids {
		if uint32(uid) <= last { // "n:*" always matches the newest message
			continue
		}
		bs := &goimap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(goimap.UIDSetNum(uid), &goimap.FetchOptions{UID: true, BodySection: []*goimap.FetchItemBodySection{bs}}).Collect()
		if err != nil {
			return n, fmt.Errorf("fetch %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue // expunged meanwhile
		}
		raw := msgs[0].FindBodySection(bs)
		if _, err := p.Ingester.Ingest(ctx, ingest.Input{Raw: raw, Source: ingest.SourceIMAP, MailboxID: mb.ID}); err != nil {
			return n, err // not stored: do not advance, fetch again next time
		}
		if err := p.DB.SetMailboxUIDs(ctx, mb.ID, validity, uint32(uid)); err != nil {
			return n, err
		}
		mb.LastUID, last = uint32(uid), uint32(uid)
		n++
		store := &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagSeen}}
		if err := c.Store(goimap.UIDSetNum(uid), store, nil).Close(); err != nil {
			p.Log.Warn("imap: mark seen", "uid", uid, "err", err)
		}
	}
	if first && sel.UIDNext > 0 {
		last = max(last, uint32(sel.UIDNext)-1) // skip the read history for good
	}
	if sel.UIDValidity != mb.UIDValidity || last != mb.LastUID {
		if err := p.DB.SetMailboxUIDs(ctx, mb.ID, sel.UIDValidity, last); err != nil {
			return n, err
		}
		mb.UIDValidity, mb.LastUID = sel.UIDValidity, last
	}
	return n, nil
}
