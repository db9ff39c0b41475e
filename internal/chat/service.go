package chat

import (
	"context"
	"log/slog"
	"time"

	"andon/internal/events"
	"andon/internal/ratelimit"
	"andon/internal/store"
)

// Rate-limit names of the Service, besides LimitMessage and LimitTyping.
const (
	LimitUpload     = "upload"     // per visitor
	LimitTranscript = "transcript" // per visitor
	// LimitMessageAddress is messages per client address, over all its
	// visitors' sockets (see WithClientAddr).
	LimitMessageAddress = "message-address"
)

type clientAddrKey struct{}

// WithClientAddr records the client address of a visitor's socket request
// for Serve.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

func clientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}

// DefaultLimits are the production limits of live chat.
func DefaultLimits() map[string]ratelimit.Limit {
	return map[string]ratelimit.Limit{
		LimitMessage:    {PerMinute: 60, Burst: 20},
		LimitTyping:     {PerMinute: 120, Burst: 20},
		LimitUpload:     {PerMinute: 10, Burst: 5},
		LimitTranscript: {PerMinute: 3, Burst: 3},
		// Many visitors may share an office's address.
		LimitMessageAddress: {PerMinute: 600, Burst: 120},
	}
}

// Service is live chat on this node, shared by the widget (visitors) and
// the workspace (agents): the hub of visitor sockets and the visitors' rate
// limits.
type Service struct {
	*Hub
	limits map[string]*ratelimit.Limiter
}

// NewService makes the chat service; limits missing from limits use
// DefaultLimits. Start runs it.
func NewService(db *store.DB, bus *events.Bus, log *slog.Logger, idleAfter time.Duration, limits map[string]ratelimit.Limit) *Service {
	s := &Service{limits: map[string]*ratelimit.Limiter{}}
	for name, l := range DefaultLimits() {
		if o, ok := limits[name]; ok {
			l = o
		}
		s.limits[name] = ratelimit.New(l)
	}
	s.Hub = NewHub(db, bus, log, Config{Allow: s.Allow, IdleAfter: idleAfter})
	return s
}

// Take is Allow that also says how long until a token is available.
func (s *Service) Take(limit, key string) (bool, time.Duration) {
	l := s.limits[limit]
	if l == nil {
		return true, 0
	}
	return l.Take(key)
}

// Allow takes one token of the named limit for key; unknown limits allow.
func (s *Service) Allow(limit, key string) bool {
	l := s.limits[limit]
	return l == nil || l.Allow(key)
}
