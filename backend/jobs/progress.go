package jobs

import "time"

// tracker holds one running job's progress history: the baseline for the ETA
// estimate and the times of the last events sent, for throttling.
type tracker struct {
	started   bool
	baseAt    time.Time // when the baseline step was reported
	baseStep  int
	lastStep  int
	total     int
	sentAny   bool
	lastSent  time.Time
	lastMsg   string
	previewed bool
	lastPrev  time.Time
}

// update fills in the ETA when the provider gave none and decides whether p
// goes out. Previews are stripped when the last one went out less than
// previewEvery ago; plain steps go out at most once per stepEvery, except the
// first report, the last step (Step ≥ Total) and a changed Message, which
// always go out because the UI would otherwise sit on stale text.
func (t *tracker) update(now time.Time, p Progress, previewEvery, stepEvery time.Duration) (Progress, bool) {
	// The ETA baseline is the first report, not the job start, so model
	// loading time does not inflate the per-step estimate. A step counter
	// that goes backwards or a new total (a second pass, such as hires fix)
	// restarts it.
	if !t.started || p.Step < t.lastStep || p.Total != t.total {
		t.started, t.baseAt, t.baseStep = true, now, p.Step
	}
	t.lastStep, t.total = p.Step, p.Total
	if p.ETASeconds == 0 && p.Total > 0 && p.Step > t.baseStep && p.Step <= p.Total {
		perStep := now.Sub(t.baseAt).Seconds() / float64(p.Step-t.baseStep)
		p.ETASeconds = perStep * float64(p.Total-p.Step)
	}
	if p.ETASeconds < 0 {
		p.ETASeconds = 0
	}

	if p.Preview != "" {
		if t.previewed && now.Sub(t.lastPrev) < previewEvery {
			p.Preview = ""
		} else {
			t.previewed, t.lastPrev = true, now
		}
	}

	last := p.Total > 0 && p.Step >= p.Total
	send := !t.sentAny || last || p.Preview != "" || p.Message != t.lastMsg || now.Sub(t.lastSent) >= stepEvery
	if send {
		t.sentAny, t.lastSent, t.lastMsg = true, now, p.Message
	}
	return p, send
}
