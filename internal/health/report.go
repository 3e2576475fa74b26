package health

import "slices"

// Status is the outcome of one check.
type Status string

// The outcomes, from best to worst. Only OK, Warn and Skipped count as
// healthy.
const (
	OK      Status = "ok"
	Skipped Status = "skipped" // does not apply, e.g. the gateway of a pod-to-pod link
	Warn    Status = "warn"    // works, but needs attention soon (an issuer close to expiry)
	Unknown Status = "unknown" // could not be checked; the message says why
	Fail    Status = "fail"
)

var severity = map[Status]int{OK: 0, Skipped: 0, Warn: 1, Unknown: 2, Fail: 3}

// Healthy tells whether s passes.
func (s Status) Healthy() bool { return severity[s] < severity[Unknown] }

func worst(checks []Check) Status {
	w := OK
	for _, c := range checks {
		if severity[c.Status] > severity[w] {
			w = c.Status
		}
	}
	return w
}

// Check is one verdict: what was checked, the outcome, what was found and,
// when it is not healthy, the command that repairs it.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// ClusterReport holds the checks of one cluster.
type ClusterReport struct {
	Name     string  `json:"name"`
	Provider string  `json:"provider"`
	Group    string  `json:"group,omitempty"`
	Node     string  `json:"node,omitempty"`    // node container, as Docker names it
	Address  string  `json:"address,omitempty"` // API server as other clusters reach it
	Status   Status  `json:"status"`            // the worst of Checks
	Checks   []Check `json:"checks"`
}

// LinkReport holds the checks of one link: Target's services mirrored
// into Source.
type LinkReport struct {
	Source string  `json:"source"`
	Target string  `json:"target"`
	Mode   string  `json:"mode"`   // ModePodToPod or ModeGateway
	Status Status  `json:"status"` // the worst of Checks
	Checks []Check `json:"checks"`
}

// Link modes.
const (
	ModePodToPod = "pod-to-pod"
	ModeGateway  = "gateway"
)

// Summary counts the checks by outcome.
type Summary struct {
	OK      int `json:"ok"`
	Warn    int `json:"warn"`
	Skipped int `json:"skipped"`
	Unknown int `json:"unknown"`
	Fail    int `json:"fail"`
}

// ReportKind and ReportVersion identify the JSON and YAML shape.
const (
	ReportKind    = "LabStatus"
	ReportVersion = "localcluster.dev/v1alpha1"
)

// Report is the health of a lab; its JSON form is documented in doc.go.
type Report struct {
	Kind       string          `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	Network    string          `json:"network"`
	Healthy    bool            `json:"healthy"`
	Summary    Summary         `json:"summary"`
	Clusters   []ClusterReport `json:"clusters"`
	Links      []LinkReport    `json:"links"`
}

// finish fills in the statuses, summary and verdict.
func (r *Report) finish() {
	r.Kind, r.APIVersion = ReportKind, ReportVersion
	r.Summary = Summary{}
	r.Healthy = true
	count := func(checks []Check) {
		for _, c := range checks {
			switch c.Status {
			case OK:
				r.Summary.OK++
			case Warn:
				r.Summary.Warn++
			case Skipped:
				r.Summary.Skipped++
			case Unknown:
				r.Summary.Unknown++
			case Fail:
				r.Summary.Fail++
			}
			r.Healthy = r.Healthy && c.Status.Healthy()
		}
	}
	for i := range r.Clusters {
		r.Clusters[i].Status = worst(r.Clusters[i].Checks)
		count(r.Clusters[i].Checks)
	}
	for i := range r.Links {
		r.Links[i].Status = worst(r.Links[i].Checks)
		count(r.Links[i].Checks)
	}
	if r.Clusters == nil {
		r.Clusters = []ClusterReport{}
	}
	if r.Links == nil {
		r.Links = []LinkReport{}
	}
}

// Problems lists the checks that do not pass, as "cluster/check" or
// "source->target/check".
func (r *Report) Problems() []string {
	var out []string
	for _, c := range r.Clusters {
		for _, ch := range c.Checks {
			if !ch.Status.Healthy() {
				out = append(out, c.Name+"/"+ch.Name)
			}
		}
	}
	for _, l := range r.Links {
		for _, ch := range l.Checks {
			if !ch.Status.Healthy() {
				out = append(out, l.Source+"->"+l.Target+"/"+ch.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}
