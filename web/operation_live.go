package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"safeguard"
)

// The live picture. One poller per server reads new actions from the
// database every livePoll, so an action recorded through any server
// sharing the database reaches every open page, and fans them out to the
// server-sent event streams open on this server. Each stream sees only
// its operation's actions that its reader may see.

const (
	livePoll = 250 * time.Millisecond
	// liveWindow is how far below the highest id seen each poll looks
	// again: on PostgreSQL a transaction that took an id earlier may
	// commit after a later one was seen.
	liveWindow = 512
	// liveBuffer is how many events a stream may fall behind before it
	// is dropped; the browser reconnects from its last event id.
	liveBuffer = 4096
	// liveHeartbeat keeps idle streams open through proxies.
	liveHeartbeat = 15 * time.Second
)

// liveHub fans actions out to open streams. Its zero value is ready; the
// poller runs only while a stream is open.
type liveHub struct {
	mu       sync.Mutex
	subs     map[*liveSub]struct{}
	running  bool
	stopping bool
	last     int64              // highest action id seen
	seen     map[int64]struct{} // ids within liveWindow*2 of last
	done     chan struct{}      // closed at shutdown
}

type liveSub struct {
	opID  int64
	actor safeguard.Actor
	ch    chan *safeguard.ActionEvent
	drop  chan struct{} // closed when the stream fell too far behind
}

func (h *liveHub) init() {
	if h.subs == nil {
		h.subs = map[*liveSub]struct{}{}
		h.seen = map[int64]struct{}{}
		h.done = make(chan struct{})
	}
}

// shutdown ends every stream, so the server can stop.
func (h *liveHub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	if !h.stopping {
		h.stopping = true
		close(h.done)
	}
}

// subscribe opens a stream and starts the poller if it is not running.
func (h *liveHub) subscribe(s *Server, opID int64, actor safeguard.Actor) (*liveSub, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	sub := &liveSub{opID: opID, actor: actor, ch: make(chan *safeguard.ActionEvent, liveBuffer), drop: make(chan struct{})}
	h.subs[sub] = struct{}{}
	if !h.running && !h.stopping {
		h.running = true
		go h.poll(s.svc.Operations, s.logger)
	}
	return sub, h.done
}

func (h *liveHub) unsubscribe(sub *liveSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, sub)
}

// poll reads new actions until no stream is open.
func (h *liveHub) poll(ops safeguard.OperationService, log *slog.Logger) {
	// The poller reads for every stream, then each stream filters by its
	// reader's force: the feed holds no personal data and is not audited.
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("live"))
	t := time.NewTicker(livePoll)
	defer t.Stop()
	for {
		h.mu.Lock()
		if len(h.subs) == 0 || h.stopping {
			h.running = false
			h.mu.Unlock()
			return
		}
		after := max(0, h.last-liveWindow)
		h.mu.Unlock()
		for {
			evs, err := ops.FindActionFeed(ctx, 0, after, 1000)
			if err != nil {
				log.Warn("live: reading new actions", "error", err)
				break
			}
			h.fanOut(evs)
			if len(evs) < 1000 {
				break
			}
			after = evs[len(evs)-1].ID
		}
		<-t.C
	}
}

// fanOut sends each action not seen before to the streams that want it.
func (h *liveHub) fanOut(evs []*safeguard.ActionEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		if _, ok := h.seen[e.ID]; ok {
			continue
		}
		h.seen[e.ID] = struct{}{}
		h.last = max(h.last, e.ID)
		for sub := range h.subs {
			if sub.opID != e.OperationID || !sub.actor.SeesForce(e.ForceCode) {
				continue
			}
			select {
			case sub.ch <- e:
			default:
				delete(h.subs, sub)
				close(sub.drop)
			}
		}
	}
	if len(h.seen) > 4*liveWindow {
		for id := range h.seen {
			if id < h.last-2*liveWindow {
				delete(h.seen, id)
			}
		}
	}
}

// operationEvents handles GET /operations/{code}/events and
// GET /api/v1/operations/{code}/events: a server-sent event stream of the
// operation's actions recorded after ?after= (or the Last-Event-ID the
// browser sends when it reconnects), each once, as
// "event: action", "id: N", "data: {ActionEvent JSON}".
func (s *Server) operationEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	op, err := s.svc.Operations.FindOperationByCode(ctx, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	after := int64(0)
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if v == "" {
			continue
		}
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "after must be an action id, not %q", v))
			return
		}
		break
	}
	actor, _ := safeguard.ActorFromContext(ctx)
	sub, done := s.live.subscribe(s, op.ID, actor)
	defer s.live.unsubscribe(sub)
	// What was recorded before the stream opened comes from the database,
	// read as the reader; the hub's copies of it are skipped.
	sent := map[int64]bool{}
	var backlog []*safeguard.ActionEvent
	for from := after; ; {
		evs, err := s.svc.Operations.FindActionFeed(ctx, op.ID, from, 1000)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		backlog = append(backlog, evs...)
		if len(evs) < 1000 {
			break
		}
		from = evs[len(evs)-1].ID
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n\n")
	write := func(e *safeguard.ActionEvent) error {
		b, _ := json.Marshal(e)
		_, err := fmt.Fprintf(w, "event: action\nid: %d\ndata: %s\n\n", e.ID, b)
		return err
	}
	for _, e := range backlog {
		sent[e.ID] = true
		if write(e) != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-sub.drop:
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case e := <-sub.ch:
			if e.ID <= after || sent[e.ID] {
				continue
			}
			if write(e) != nil {
				return
			}
			// Send what else is waiting before flushing.
			for n := len(sub.ch); n > 0; n-- {
				e := <-sub.ch
				if e.ID > after && !sent[e.ID] && write(e) != nil {
					return
				}
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}
