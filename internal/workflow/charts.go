package workflow

import (
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/mesh"
)

// Charts say where the charts the steps install come from.
type Charts struct {
	MetalLB helm.Chart
	Linkerd mesh.ChartSource
}

// ChartsFrom applies lab.yaml's chart settings over the defaults.
func ChartsFrom(s definition.Settings) Charts {
	metallb := helm.MetalLBChart()
	if s.MetalLB.Repo != "" {
		metallb.Repo = s.MetalLB.Repo
		metallb.Version = ""
	}
	if s.MetalLB.Version != "" {
		metallb.Version = s.MetalLB.Version
	}
	l := mesh.DefaultChartSource()
	if s.Linkerd.Repo != "" {
		l.Repo = s.Linkerd.Repo
		l.Version = ""
	}
	if s.Linkerd.Version != "" {
		l.Version = s.Linkerd.Version
	}
	setIf(&l.CRDs, s.Linkerd.Charts.CRDs)
	setIf(&l.ControlPlane, s.Linkerd.Charts.ControlPlane)
	setIf(&l.Multicluster, s.Linkerd.Charts.Multicluster)
	l.ExtraValues = map[string]map[string]any{}
	for chart, v := range map[string]map[string]any{
		l.CRDs: s.Linkerd.Values.CRDs, l.ControlPlane: s.Linkerd.Values.ControlPlane, l.Multicluster: s.Linkerd.Values.Multicluster,
	} {
		if len(v) > 0 {
			l.ExtraValues[chart] = v
		}
	}
	return Charts{MetalLB: metallb, Linkerd: l}
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
