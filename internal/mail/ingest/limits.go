package ingest

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"time"
)

// Limits bound the work one message may cost. enmime's time grows as 2^n
// with n nested multiparts that lack their closing boundary (every level
// re-reads its parent at end of input), so a 2 KB message could otherwise
// pin a core for minutes; the pre-scan rejects such shapes before enmime
// sees them; the timeout frees the caller if anything else is slow.
type Limits struct {
	MaxDepth       int // nested multiparts
	MaxUnclosed    int // nested multiparts left open at one point (cost 2^n)
	MaxParts       int // MIME parts in the whole message
	MaxHeaderBytes int // one header block (message or part)
	// Timeout bounds how long a caller waits for one parse. enmime cannot
	// be cancelled (fed read errors it retries without end), so the CPU
	// bound is the pre-scan; the timeout frees the mailbox.
	Timeout time.Duration
	// TimeoutPerMB is added to Timeout for each MB of message: big mail
	// takes linear time, and pathological shapes are small.
	TimeoutPerMB time.Duration
}

// DefaultLimits are generous for real mail: measured parse cost of the
// worst accepted shape (10 open levels) is a few milliseconds.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 30, MaxUnclosed: 10, MaxParts: 1000, MaxHeaderBytes: 256 << 10, Timeout: 5 * time.Second, TimeoutPerMB: 2 * time.Second}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	for _, p := range []struct{ v, def *int }{{&l.MaxDepth, &d.MaxDepth}, {&l.MaxUnclosed, &d.MaxUnclosed},
		{&l.MaxParts, &d.MaxParts}, {&l.MaxHeaderBytes, &d.MaxHeaderBytes}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.TimeoutPerMB <= 0 {
		l.TimeoutPerMB = d.TimeoutPerMB
	}
	return l
}

// ErrLimit marks a message that exceeds a parsing limit; it is also
// ErrUnparseable, so it goes to the failed list with its raw bytes.
var ErrLimit = fmt.Errorf("%w: over a parsing limit", ErrUnparseable)

func limitErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, a...))
}

// Shape is what the pre-scan found.
type Shape struct {
	Depth, Unclosed, Parts, MaxHeader int
}

var boundaryRe = regexp.MustCompile(`(?i)boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))`)

// Scan walks the raw bytes the way a MIME parser does (header block,
// boundary lines) without decoding anything, in one linear pass. It
// errs on the side of seeing more nesting than enmime would: any header
// block with a boundary parameter opens a level.
func Scan(raw []byte) Shape {
	var s Shape
	var stack []string
	var started []bool // per level: a part has begun (the preamble is over)
	inHeader, header, hdrBytes := true, []string{}, 0
	endHeader := func() {
		if b := headerBoundary(header); b != "" {
			stack, started = append(stack, b), append(started, false)
			s.Depth = max(s.Depth, len(stack))
		}
		header, hdrBytes, inHeader = header[:0], 0, false
	}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		lvl, term, ok := boundaryLine(line, stack)
		if !ok && len(stack) > 0 && !started[len(stack)-1] && preambleDelimiter(line, stack[len(stack)-1]) {
			// In the preamble enmime takes "--B" anywhere in a line.
			lvl, ok = len(stack)-1, true
		}
		if ok {
			if inHeader {
				endHeader() // a part header cut short by the next boundary
			}
			s.Unclosed = max(s.Unclosed, len(stack)-1-lvl)
			if term {
				stack, started, inHeader = stack[:lvl], started[:lvl], false
			} else {
				stack, started, inHeader = stack[:lvl+1], started[:lvl+1], true
				started[lvl] = true
				s.Parts++
			}
			continue
		}
		if !inHeader {
			continue
		}
		hdrBytes += len(line) + 1
		s.MaxHeader = max(s.MaxHeader, hdrBytes)
		switch {
		case len(line) == 0:
			endHeader()
		case (line[0] == ' ' || line[0] == '\t') && len(header) > 0:
			header[len(header)-1] += " " + string(bytes.TrimSpace(line))
		default:
			header = append(header, string(line))
		}
	}
	if inHeader {
		endHeader()
	}
	s.Unclosed = max(s.Unclosed, len(stack))
	return s
}

// boundaryLine matches line against the open boundaries, innermost first:
// "--B" followed by whitespace or end is a delimiter, "--B--" a terminator.
func boundaryLine(line []byte, stack []string) (level int, term, ok bool) {
	if !bytes.HasPrefix(line, []byte("--")) {
		return 0, false, false
	}
	rest := line[2:]
	for i := len(stack) - 1; i >= 0; i-- {
		b := stack[i]
		if !bytes.HasPrefix(rest, []byte(b)) {
			continue
		}
		after := rest[len(b):]
		if bytes.HasPrefix(after, []byte("--")) {
			return i, true, true
		}
		if len(after) == 0 || after[0] == ' ' || after[0] == '\t' {
			return i, false, true
		}
	}
	return 0, false, false
}

// preambleDelimiter matches "--B" followed by whitespace or the end
// anywhere in the line, as enmime does while it looks for the first part.
func preambleDelimiter(line []byte, b string) bool {
	prefix := []byte("--" + b)
	for i := bytes.Index(line, prefix); i >= 0; {
		after := line[i+len(prefix):]
		if len(after) == 0 || after[0] == ' ' || after[0] == '\t' {
			return true
		}
		j := bytes.Index(line[i+1:], prefix)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func headerBoundary(header []string) string {
	for _, h := range header {
		k, v, ok := strings.Cut(h, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Content-Type") {
			continue
		}
		if _, params, err := mime.ParseMediaType(v); err == nil && params["boundary"] != "" {
			return params["boundary"]
		}
		if m := boundaryRe.FindStringSubmatch(v); m != nil {
			return m[1] + m[2]
		}
	}
	return ""
}

// deadline is the wall time allowed for a message of n bytes.
func (l Limits) deadline(n int) time.Duration {
	return l.Timeout + time.Duration(int64(l.TimeoutPerMB)*int64(n)/(1<<20))
}

// check rejects a message whose shape is over a limit.
func (l Limits) check(raw []byte) error {
	s := Scan(raw)
	switch {
	case s.Depth > l.MaxDepth:
		return limitErr("multipart nesting %d is deeper than %d", s.Depth, l.MaxDepth)
	case s.Unclosed > l.MaxUnclosed:
		return limitErr("%d nested multiparts without closing boundary (limit %d)", s.Unclosed, l.MaxUnclosed)
	case s.Parts > l.MaxParts:
		return limitErr("%d MIME parts (limit %d)", s.Parts, l.MaxParts)
	case s.MaxHeader > l.MaxHeaderBytes:
		return limitErr("a header block of %d bytes (limit %d)", s.MaxHeader, l.MaxHeaderBytes)
	}
	return nil
}
