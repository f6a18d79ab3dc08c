// Command fakeagent is a stand-in LLM agent service for the end-to-end
// test. It exposes the default preset's metrics on /metrics and generates
// synthetic traffic whose error ratio, latency, token use, budget, queue
// depth and cost are set through /control, so a test can move the service
// between healthy and each kind of breach and watch a real Prometheus alert.
//
//	fakeagent -listen 127.0.0.1:0     # prints "listening on ADDR" first
//	curl -X POST -d '{"error_ratio":0.5}' http://ADDR/control
//
// Traffic is deterministic: errors are spread evenly (an accumulator, not
// random draws) and every request observes the configured latency, so what
// Prometheus computes from the metrics is predictable to the test.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// State is what the control endpoint sets. A POST merges the fields present
// in its JSON body into the current state.
type State struct {
	RPS               float64 `json:"rps"`                // requests per second
	ErrorRatio        float64 `json:"error_ratio"`        // 0..1 of requests with status="error"
	LatencySeconds    float64 `json:"latency_seconds"`    // every request's duration
	TokensPerRequest  float64 `json:"tokens_per_request"` // split prompt/completion 3:1
	CostPerRequestUSD float64 `json:"cost_per_request_usd"`
	BudgetUsed        float64 `json:"budget_used"` // token_budget_used
	// BudgetUsedPerSecond grows BudgetUsed steadily, the shape a budget
	// forecast (predict_linear) is meant to catch.
	BudgetUsedPerSecond float64 `json:"budget_used_per_second"`
	BudgetLimit         float64 `json:"budget_limit"` // token_budget_limit
	QueueDepth          float64 `json:"queue_depth"`
	ActiveAgents        float64 `json:"active_agents"`
}

// Healthy is the state the service starts in: steady traffic well inside
// every default threshold.
func Healthy() State {
	return State{
		RPS:               20,
		ErrorRatio:        0,
		LatencySeconds:    0.3,
		TokensPerRequest:  400,
		CostPerRequestUSD: 0.0001,
		BudgetUsed:        100000,
		BudgetLimit:       1000000,
		QueueDepth:        3,
		ActiveAgents:      4,
	}
}

// Agent holds the metrics and the traffic state.
type Agent struct {
	agentType, model string

	mu    sync.Mutex
	state State
	// carry keeps the fractional requests and errors between ticks so that
	// rates and ratios are exact over any window.
	carryReq, carryErr float64

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	tokens      *prometheus.CounterVec
	cost        *prometheus.CounterVec
	budgetUsed  prometheus.Gauge
	budgetLimit prometheus.Gauge
	queue       prometheus.Gauge
	active      *prometheus.GaugeVec
}

// New registers the default preset's metrics in reg.
func New(reg prometheus.Registerer, agentType, model string) *Agent {
	a := &Agent{
		agentType: agentType,
		model:     model,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agent_requests_total", Help: "Total agent requests.",
		}, []string{"agent_type", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "agent_request_duration_seconds", Help: "Agent request duration.",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10},
		}, []string{"agent_type"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "llm_tokens_total", Help: "Total tokens consumed.",
		}, []string{"model", "type"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "llm_cost_usd_total", Help: "LLM spend in US dollars.",
		}, []string{"model"}),
		budgetUsed:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "token_budget_used", Help: "Tokens used of the budget."}),
		budgetLimit: prometheus.NewGauge(prometheus.GaugeOpts{Name: "token_budget_limit", Help: "Token budget."}),
		queue:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "agent_queue_depth", Help: "Tasks waiting for processing."}),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "active_agents", Help: "Currently running agents.",
		}, []string{"agent_type"}),
	}
	reg.MustRegister(a.requests, a.duration, a.tokens, a.cost, a.budgetUsed, a.budgetLimit, a.queue, a.active)
	// Expose every series from the start, so that a ratio has a zero
	// numerator rather than no numerator before the first error.
	a.requests.WithLabelValues(agentType, "success")
	a.requests.WithLabelValues(agentType, "error")
	a.duration.WithLabelValues(agentType)
	a.tokens.WithLabelValues(model, "prompt")
	a.tokens.WithLabelValues(model, "completion")
	a.cost.WithLabelValues(model)
	a.Set(Healthy())
	return a
}

// Set replaces the state and updates the gauges at once.
func (a *Agent) Set(s State) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.state = s
	a.budgetUsed.Set(s.BudgetUsed)
	a.budgetLimit.Set(s.BudgetLimit)
	a.queue.Set(s.QueueDepth)
	a.active.WithLabelValues(a.agentType).Set(s.ActiveAgents)
}

// State returns the current state.
func (a *Agent) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// Tick generates the traffic of dt at the current state.
func (a *Agent) Tick(dt time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state.BudgetUsedPerSecond != 0 {
		a.state.BudgetUsed += a.state.BudgetUsedPerSecond * dt.Seconds()
		a.budgetUsed.Set(a.state.BudgetUsed)
	}
	s := a.state
	a.carryReq += s.RPS * dt.Seconds()
	n := int(a.carryReq)
	a.carryReq -= float64(n)
	for range n {
		a.carryErr += s.ErrorRatio
		status := "success"
		if a.carryErr >= 1 {
			a.carryErr--
			status = "error"
		}
		a.requests.WithLabelValues(a.agentType, status).Inc()
		a.duration.WithLabelValues(a.agentType).Observe(s.LatencySeconds)
		a.tokens.WithLabelValues(a.model, "prompt").Add(s.TokensPerRequest * 3 / 4)
		a.tokens.WithLabelValues(a.model, "completion").Add(s.TokensPerRequest / 4)
		a.cost.WithLabelValues(a.model).Add(s.CostPerRequestUSD)
	}
}

// ServeHTTP handles /control: GET returns the state, POST merges a JSON
// object into it, and POST /control?reset=healthy restores Healthy first.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		s := a.State()
		if r.URL.Query().Get("reset") == "healthy" {
			s = Healthy()
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
			http.Error(w, "bad control body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.Set(s)
	default:
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.State())
}

func (s State) validate() error {
	switch {
	case s.ErrorRatio < 0 || s.ErrorRatio > 1:
		return fmt.Errorf("error_ratio %v outside [0, 1]", s.ErrorRatio)
	case s.RPS < 0 || s.RPS > 10000:
		return fmt.Errorf("rps %v outside [0, 10000]", s.RPS)
	case s.LatencySeconds < 0:
		return fmt.Errorf("latency_seconds %v is negative", s.LatencySeconds)
	}
	return nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve /metrics and /control on")
	agentType := flag.String("agent-type", "researcher", "value of the agent_type label")
	model := flag.String("model", "gpt-4o", "value of the model label")
	tick := flag.Duration("tick", 100*time.Millisecond, "traffic generation step")
	flag.Parse()

	reg := prometheus.NewRegistry()
	agent := New(reg, *agentType, *model)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/control", agent)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("fakeagent: %v", err)
	}
	// The test reads this line to learn the port chosen for :0.
	fmt.Printf("listening on %s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		t := time.NewTicker(*tick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				agent.Tick(now.Sub(last))
				last = now
			}
		}
	}()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("fakeagent: %v", err)
	}
}
