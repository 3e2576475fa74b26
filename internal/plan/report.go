package plan

import (
	"encoding/json"
	"io"
	"sort"
	"time"
)

// jsonStep is a step as the plan's JSON form shows it.
type jsonStep struct {
	ID      string   `json:"id"`
	Cluster string   `json:"cluster,omitempty"`
	Title   string   `json:"title"`
	Needs   []string `json:"needs"`
	Script  string   `json:"script"`
}

// WriteJSON writes the plan as {"steps": [...]}, in the order a dry-run
// prints them, so that tools and tests can read the step graph.
func (p *Plan) WriteJSON(w io.Writer) error {
	order, err := p.Order()
	if err != nil {
		return err
	}
	out := struct {
		Steps []jsonStep `json:"steps"`
	}{Steps: make([]jsonStep, 0, len(order))}
	for _, s := range order {
		needs := append([]string{}, s.Needs...)
		out.Steps = append(out.Steps, jsonStep{ID: s.ID, Cluster: s.Cluster, Title: s.Title, Needs: needs, Script: s.Script})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ClusterTime is how long one cluster's steps took, from the start of its
// first to the end of its last.
type ClusterTime struct {
	Cluster  string
	Duration time.Duration
}

// ClusterTimes returns each cluster's span, slowest first. Lab-wide steps
// belong to no cluster.
func (s Summary) ClusterTimes() []ClusterTime {
	first, last := map[string]time.Time{}, map[string]time.Time{}
	for _, o := range s.Outcomes {
		if o.Step.Cluster == "" || o.Start.IsZero() {
			continue
		}
		end := o.Start.Add(o.Duration)
		if t, ok := first[o.Step.Cluster]; !ok || o.Start.Before(t) {
			first[o.Step.Cluster] = o.Start
		}
		if end.After(last[o.Step.Cluster]) {
			last[o.Step.Cluster] = end
		}
	}
	out := make([]ClusterTime, 0, len(first))
	for c, t := range first {
		out = append(out, ClusterTime{Cluster: c, Duration: last[c].Sub(t)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Duration != out[j].Duration {
			return out[i].Duration > out[j].Duration
		}
		return out[i].Cluster < out[j].Cluster
	})
	return out
}

// CriticalPath returns the chain of steps that decided when the run
// ended: the step that finished last, the step it needed that finished
// last, and so on back to a step that needed nothing that ran. Steps are
// returned first to last.
func (s Summary) CriticalPath() []Outcome {
	byID := map[string]Outcome{}
	var end Outcome
	for _, o := range s.Outcomes {
		if o.Start.IsZero() {
			continue
		}
		byID[o.Step.ID] = o
		if end.Step == nil || finish(o).After(finish(end)) {
			end = o
		}
	}
	if end.Step == nil {
		return nil
	}
	path := []Outcome{end}
	for cur := end; ; {
		var prev Outcome
		for _, n := range cur.Step.Needs {
			if o, ok := byID[n]; ok && (prev.Step == nil || finish(o).After(finish(prev))) {
				prev = o
			}
		}
		if prev.Step == nil {
			break
		}
		path = append(path, prev)
		cur = prev
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

func finish(o Outcome) time.Time { return o.Start.Add(o.Duration) }
