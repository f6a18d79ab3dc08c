package e2e

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/pkg/rules"
	"github.com/agentalerts/agentalerts/pkg/severity"
)

func TestCheckFired(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	alert := func() *rules.Alert {
		return &rules.Alert{
			Name: "AgentErrorRatioHigh", Service: "research-agent", Family: "error_rate", Tier: severity.Ticket,
			SeverityValue: "ticket", For: 5 * time.Second,
			ResultLabels: map[string]string{"severity": "ticket", "service": "research-agent", "family": "error_rate"},
			Annotations: map[string]string{
				"summary":     "{{ $value | humanizePercentage }} errors",
				"runbook_url": "https://runbooks.example.com/agents/AgentErrorRatioHigh",
			},
		}
	}
	good := func() *expectation {
		return &expectation{
			alert:  alert(),
			change: at(0), exprTrue: at(2 * time.Second), activeAt: at(2500 * time.Millisecond), firing: at(8 * time.Second),
			labels: map[string]string{"alertname": "AgentErrorRatioHigh", "severity": "ticket", "service": "research-agent", "family": "error_rate", "team": "e2e"},
			annotations: map[string]string{
				"summary":     "12.5% errors",
				"runbook_url": "https://runbooks.example.com/agents/AgentErrorRatioHigh",
			},
		}
	}
	tests := []struct {
		name   string
		change func(e *expectation)
		want   []string
	}{
		{name: "on time", change: func(*expectation) {}},
		{name: "not fired is not judged here", change: func(e *expectation) { e.firing = time.Time{} }},
		{
			name:   "late",
			change: func(e *expectation) { e.firing = at(10 * time.Second) },
			want:   []string{"research-agent/AgentErrorRatioHigh/ticket fired 8s after its expression held; want at most for (5s) + 2 evaluation intervals + polling = 7.5s"},
		},
		{
			name:   "sooner than for",
			change: func(e *expectation) { e.firing = at(3 * time.Second) },
			want:   []string{"research-agent/AgentErrorRatioHigh/ticket fired 500ms after it went pending, sooner than its for (5s)"},
		},
		{
			name:   "expression never seen",
			change: func(e *expectation) { e.exprTrue = time.Time{} },
			want:   []string{"research-agent/AgentErrorRatioHigh/ticket fired but its expression never returned a result when queried"},
		},
		{
			name:   "wrong severity",
			change: func(e *expectation) { e.labels["severity"] = "page" },
			want:   []string{`research-agent/AgentErrorRatioHigh/ticket fired with severity="page", want "ticket"`},
		},
		{
			name:   "missing label",
			change: func(e *expectation) { delete(e.labels, "family") },
			want:   []string{`research-agent/AgentErrorRatioHigh/ticket fired with family="", want "error_rate"`},
		},
		{
			name:   "template error",
			change: func(e *expectation) { e.annotations["summary"] = "<error expanding template: boom>" },
			want:   []string{`research-agent/AgentErrorRatioHigh/ticket fired with annotation summary="<error expanding template: boom>" from template "{{ $value | humanizePercentage }} errors"`},
		},
		{
			name:   "runbook changed",
			change: func(e *expectation) { e.annotations["runbook_url"] = "x" },
			want:   []string{`research-agent/AgentErrorRatioHigh/ticket fired with annotation runbook_url="x", want "https://runbooks.example.com/agents/AgentErrorRatioHigh"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := good()
			tc.change(e)
			_, got := checkFired([]*expectation{e}, time.Second, 250*time.Millisecond)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWantAMState(t *testing.T) {
	exp := func(name, service, tier string) *expectation {
		tr, err := severity.Parse(tier)
		if err != nil {
			t.Fatal(err)
		}
		return &expectation{alert: &rules.Alert{Name: name, Service: service, Tier: tr}}
	}
	page := exp("AgentErrorRatioHigh", "a", "page")
	ticket := exp("AgentErrorRatioHigh", "a", "ticket")
	log := exp("AgentErrorRatioHigh", "a", "log")
	otherSvc := exp("AgentErrorRatioHigh", "b", "ticket")
	forecast := exp("AgentTokenBudgetExhaustionForecast", "a", "ticket")
	queueTicket := exp("AgentQueueBacklogHigh", "a", "ticket")
	queueLog := exp("AgentQueueBacklogHigh", "a", "log")
	fired := []*expectation{page, ticket, log, otherSvc, forecast, queueTicket, queueLog}

	got := map[string]string{}
	for _, e := range fired {
		got[e.alert.Service+"/"+e.alert.Name+"/"+e.alert.Tier.String()] = wantAMState(e, fired)
	}
	want := map[string]string{
		"a/AgentErrorRatioHigh/page":                  "active",
		"a/AgentErrorRatioHigh/ticket":                "suppressed",
		"a/AgentErrorRatioHigh/log":                   "suppressed",
		"b/AgentErrorRatioHigh/ticket":                "active", // another service's page does not count
		"a/AgentTokenBudgetExhaustionForecast/ticket": "active", // another alert name
		"a/AgentQueueBacklogHigh/ticket":              "active",
		"a/AgentQueueBacklogHigh/log":                 "suppressed", // a ticket silences its log
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
