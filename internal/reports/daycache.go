package reports

import (
	"context"
	"fmt"
	"sync"
	"time"

	"andon/internal/store"
)

// The aggregates of the tickets created on a day are kept in memory with
// that day's version (count, newest and sum of updated_at of its tickets
// under the filter). Each read asks the database for the versions, which
// reads only a covering index, and recomputes the days whose version moved
// (usually today), so the figures stay exact while most of the work is
// skipped.

type dayEntry struct {
	version store.DayVersion
	aggs    []store.CreatedAgg
}

type dayCache struct {
	mu   sync.Mutex
	days map[string]dayEntry
}

// maxCachedDays bounds the cache (about 5 years of days for 4 filters).
const maxCachedDays = 8000

func filterKey(f Filter) string {
	return fmt.Sprintf("%d|%s|%s", f.TeamID, f.Channel, f.Tag)
}

// created returns the created-ticket aggregates of [f.From, f.To).
func (s *Service) created(ctx context.Context, f Filter) ([]store.CreatedAgg, error) {
	versions, err := s.db.CreatedDayVersions(ctx, f.store())
	if err != nil {
		return nil, err
	}
	key := filterKey(f)
	var out []store.CreatedAgg
	var stale []int64
	s.cache.mu.Lock()
	for _, v := range versions {
		e, ok := s.cache.days[key+"|"+fmt.Sprint(v.Day)]
		if ok && e.version == v {
			out = append(out, e.aggs...)
		} else {
			stale = append(stale, v.Day)
		}
	}
	s.cache.mu.Unlock()
	// Recompute runs of consecutive stale days with one query each.
	dayMS := int64(day / time.Millisecond)
	for i := 0; i < len(stale); {
		j := i
		for j+1 < len(stale) && stale[j+1] == stale[j]+1 {
			j++
		}
		run := f
		run.From, run.To = time.UnixMilli(stale[i]*dayMS).UTC(), time.UnixMilli((stale[j]+1)*dayMS).UTC()
		if err := s.db.RefreshReportFacts(ctx, run.store(), "created_at"); err != nil {
			return nil, err
		}
		// Read the versions again after the refresh: the facts are
		// exact for these, and a later change will move them.
		vs, err := s.db.CreatedDayVersions(ctx, run.store())
		if err != nil {
			return nil, err
		}
		aggs, err := s.db.ReportCreated(ctx, run.store())
		if err != nil {
			return nil, err
		}
		byDay := map[int64][]store.CreatedAgg{}
		for _, a := range aggs {
			d := a.Hour / 24
			byDay[d] = append(byDay[d], a)
		}
		s.cache.mu.Lock()
		if len(s.cache.days) > maxCachedDays {
			s.cache.days = map[string]dayEntry{}
		}
		for _, v := range vs {
			s.cache.days[key+"|"+fmt.Sprint(v.Day)] = dayEntry{version: v, aggs: byDay[v.Day]}
		}
		s.cache.mu.Unlock()
		out = append(out, aggs...)
		i = j + 1
	}
	return out, nil
}
