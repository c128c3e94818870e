package mockserver

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault makes matching requests misbehave, for the next Count requests or until Until. It
// never changes stored state: a request hit by a status or a drop is not executed.
type Fault struct {
	ID         int        `json:"id"`
	Method     string     `json:"method,omitempty"`    // empty: any method
	Operation  string     `json:"operation,omitempty"` // an operationId of openapi.yaml
	Path       string     `json:"path,omitempty"`      // whole leading segments, e.g. /api/v4/projects/1 (not /projects/10)
	Count      int        `json:"count,omitempty"`     // requests left; 0 with Until set: unlimited
	Until      *time.Time `json:"until,omitempty"`
	Delay      Duration   `json:"delay,omitempty"`
	Status     int        `json:"status,omitempty"` // 429, 500, 502 or 503
	RetryAfter int        `json:"retry_after,omitempty"`
	Drop       bool       `json:"drop,omitempty"` // close the connection without answering
}

// Duration is a time.Duration written as "250ms" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("a duration is a string such as \"250ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 || v > time.Minute {
		return errors.New("a duration between 0 and 1m, such as \"250ms\"")
	}
	*d = Duration(v)
	return nil
}

// check refuses a fault that is malformed or can never match. window names the time
// window's field as the caller sees it: Until in Go, duration over HTTP.
func (f *Fault) check(ops map[string]*operation, window string) error {
	switch f.Status {
	case 0, 429, 500, 502, 503:
	default:
		return fmt.Errorf("status %d: use 429, 500, 502 or 503", f.Status)
	}
	if err := checkMatch(ops, f.Operation, f.Path); err != nil {
		return err
	}
	if f.Count < 0 || f.RetryAfter < 0 {
		return errors.New("count and retry_after must not be negative")
	}
	if f.Count == 0 && f.Until == nil {
		return fmt.Errorf("give count (the next N requests) or %s (a time window)", window)
	}
	if f.Status == 0 && !f.Drop && f.Delay == 0 {
		return errors.New("give status, drop or delay")
	}
	return nil
}

// checkMatch refuses what a fault or a journal filter could never match: an operation
// openapi.yaml does not have, or a path without its leading "/" (request paths have one).
func checkMatch(ops map[string]*operation, operation, path string) error {
	if operation != "" && ops[operation] == nil {
		return fmt.Errorf("operation %q is not in openapi.yaml; the operations are %s", operation, strings.Join(slices.Sorted(maps.Keys(ops)), ", "))
	}
	if path != "" && !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q never matches: request paths start with \"/\", e.g. /api/v4/projects/1", path)
	}
	return nil
}

// pathUnder says whether path is prefix or below it, by whole segments: /api/v4/projects/1
// covers /api/v4/projects/1/clusters but not /api/v4/projects/10.
func pathUnder(path, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/")
}

// MaxFaults is how many faults may be active at once; adding one more is refused.
const MaxFaults = 100

// errTooManyFaults refuses a fault over MaxFaults.
var errTooManyFaults = fmt.Errorf("at most %d faults may be active; delete some first", MaxFaults)

// faults is the set of active faults. n mirrors len(list) so that the hot path skips the lock
// when none is set; every method keeps it in step.
type faults struct {
	mu     sync.Mutex
	list   []*Fault
	nextID int
	n      atomic.Int32
}

// add stores a checked fault and returns it with its id.
func (fs *faults) add(f Fault) (Fault, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.list) >= MaxFaults {
		return Fault{}, errTooManyFaults
	}
	fs.nextID++
	f.ID = fs.nextID
	fs.list = append(fs.list, &f)
	fs.n.Store(int32(len(fs.list)))
	return f, nil
}

// all returns copies of the active faults, by id.
func (fs *faults) all() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.list))
	for _, f := range fs.list {
		out = append(out, *f)
	}
	return out // added in id order, and removals keep it
}

// remove deletes one fault (id > 0) or all (id 0); it reports whether any was there.
func (fs *faults) remove(id int) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer func() { fs.n.Store(int32(len(fs.list))) }()
	if id == 0 {
		fs.list = nil
		return true
	}
	for i, f := range fs.list {
		if f.ID == id {
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
			return true
		}
	}
	return false
}

// take returns the first fault matching the request and consumes one of its uses.
func (fs *faults) take(r *http.Request, op string, now time.Time) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	kept := fs.list[:0]
	var hit *Fault
	for _, f := range fs.list {
		expired := f.Until != nil && now.After(*f.Until)
		if expired {
			continue
		}
		if hit == nil && (f.Method == "" || strings.EqualFold(f.Method, r.Method)) &&
			(f.Operation == "" || f.Operation == op) && pathUnder(r.URL.Path, f.Path) {
			c := *f
			hit = &c
			if f.Count > 0 {
				f.Count--
				if f.Count == 0 {
					continue
				}
			}
		}
		kept = append(kept, f)
	}
	fs.list = kept
	fs.n.Store(int32(len(fs.list)))
	return hit
}

// apply runs a fault; it reports whether the request was answered (or dropped) by it.
func (f *Fault) apply(w http.ResponseWriter, now time.Time) bool {
	if f.Delay > 0 {
		time.Sleep(time.Duration(f.Delay))
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the response
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		// GitLab's Rack::Attack throttle answer.
		retry := max(f.RetryAfter, 1)
		h := w.Header()
		reset := now.Add(time.Duration(retry) * time.Second)
		h.Set("Retry-After", strconv.Itoa(retry))
		h.Set("RateLimit-Name", "throttle_authenticated_api")
		h.Set("RateLimit-Limit", "60")
		h.Set("RateLimit-Observed", "61")
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("Retry later\n"))
		return true
	case 0:
		return false
	default:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		writeError(w, messageError(f.Status, fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))))
		return true
	}
}

// AddFault makes matching requests misbehave, as POST /-/mock/faults does; give Count or
// Until, and Status, Drop or Delay. It returns the fault with its ID, or why it was refused
// (also a fault that could never match: an unknown Operation, a Path without its leading "/").
func (s *Server) AddFault(f Fault) (Fault, error) {
	f.ID = 0
	if err := f.check(s.ops, "Until"); err != nil {
		return Fault{}, fmt.Errorf("fault: %w", err)
	}
	return s.faults.add(f)
}

// Faults returns the active faults, oldest first.
func (s *Server) Faults() []Fault { return s.faults.all() }

// RemoveFault removes one fault; it reports whether it was active.
func (s *Server) RemoveFault(id int) bool { return id > 0 && s.faults.remove(id) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.remove(0) }
