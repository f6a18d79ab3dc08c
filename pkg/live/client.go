// Package live asks a running Prometheus server what an offline linter can
// only guess: which series exist, with which labels, of which type, and how
// often each job is scraped. It is used by `lint --prometheus` and
// `generate --verify`, and only then: nothing here runs without a URL.
//
// Every request is bounded (a timeout each, a total count, a response size)
// so a slow or huge server makes a run fail with a clear error instead of
// hanging it.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/pkg/diag"
)

// Defaults of the bounds; the command-line flags override them.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxRequests      = 10000
	DefaultMaxResponseBytes = 32 << 20
)

// Environment variables holding credentials. Secrets are never flags:
// flags end up in shell history and in `ps`.
const (
	EnvBearerToken     = "AGENTALERTS_PROMETHEUS_BEARER_TOKEN"
	EnvBearerTokenFile = "AGENTALERTS_PROMETHEUS_BEARER_TOKEN_FILE"
	EnvUsername        = "AGENTALERTS_PROMETHEUS_USERNAME"
	EnvPassword        = "AGENTALERTS_PROMETHEUS_PASSWORD"
	EnvPasswordFile    = "AGENTALERTS_PROMETHEUS_PASSWORD_FILE"
)

// Options say where the server is and how far a run may go.
type Options struct {
	URL string
	// Timeout bounds each request; MaxRequests the requests of a run;
	// MaxResponseBytes the body of each response. Zero means the default.
	Timeout          time.Duration
	MaxRequests      int
	MaxResponseBytes int64
	// TLS: a CA bundle, a client certificate, and the escape hatch for a
	// self-signed test server.
	CAFile, CertFile, KeyFile string
	InsecureSkipVerify        bool
	// Getenv reads credentials; nil means os.Getenv (tests replace it).
	Getenv func(string) string
	// Now is the clock findings are stamped with; nil means time.Now.
	Now func() time.Time
}

// Server is a connected Prometheus with the answers it gave, cached: a run
// asks about each metric once however many rules select it.
type Server struct {
	URL     string
	api     v1.API
	timeout time.Duration
	now     func() time.Time

	// Scrape holds the scrape interval of each job, from the server's
	// configuration; GlobalScrape is the default of jobs that set none.
	Scrape       map[string]time.Duration
	GlobalScrape time.Duration

	mu       sync.Mutex
	cache    map[string]*entry
	firstErr error
	rt       *bounded
	// decided are the lines where a live check replaced an offline
	// guess (Supersede).
	decided map[string]bool
}

type entry struct {
	done chan struct{}
	val  any
	err  error
}

// Connect builds the client and reads the server's configuration, so an
// unreachable server, wrong credentials or a URL that is not Prometheus
// fail before any file is linted or written.
func Connect(ctx context.Context, o Options) (*Server, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus URL %q: want http(s)://host[:port][/path]", o.URL)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := httpConfig(o, getenv)
	if err != nil {
		return nil, err
	}
	rt, err := promconfig.NewRoundTripperFromConfig(cfg, "agentalerts")
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", o.URL, err)
	}
	rt = &bounded{next: rt, max: int64(o.MaxRequests), maxBody: o.MaxResponseBytes}
	c, err := api.NewClient(api.Config{Address: o.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", o.URL, err)
	}
	s := &Server{URL: strings.TrimRight(o.URL, "/"), api: v1.NewAPI(c), timeout: o.Timeout, now: o.Now, cache: map[string]*entry{}, rt: rt.(*bounded)}
	if s.now == nil {
		s.now = time.Now
	}
	cctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	res, err := s.api.Config(cctx)
	if err != nil {
		return nil, s.wrap("/api/v1/status/config", err)
	}
	if err := s.readConfig(res.YAML); err != nil {
		return nil, fmt.Errorf("prometheus %s: reading /api/v1/status/config: %w", s.URL, err)
	}
	return s, nil
}

// httpConfig turns the options and the environment into Prometheus's own
// client configuration, so TLS and auth behave as in Prometheus itself.
func httpConfig(o Options, getenv func(string) string) (promconfig.HTTPClientConfig, error) {
	cfg := promconfig.HTTPClientConfig{
		TLSConfig: promconfig.TLSConfig{CAFile: o.CAFile, CertFile: o.CertFile, KeyFile: o.KeyFile, InsecureSkipVerify: o.InsecureSkipVerify},
	}
	tok, tokFile := getenv(EnvBearerToken), getenv(EnvBearerTokenFile)
	user, pass, passFile := getenv(EnvUsername), getenv(EnvPassword), getenv(EnvPasswordFile)
	switch {
	case tok != "" && tokFile != "":
		return cfg, fmt.Errorf("%s and %s exclude each other", EnvBearerToken, EnvBearerTokenFile)
	case (tok != "" || tokFile != "") && user != "":
		return cfg, fmt.Errorf("set either a bearer token (%s) or basic auth (%s), not both", EnvBearerToken, EnvUsername)
	case pass != "" && passFile != "":
		return cfg, fmt.Errorf("%s and %s exclude each other", EnvPassword, EnvPasswordFile)
	case (pass != "" || passFile != "") && user == "":
		return cfg, fmt.Errorf("%s is set but %s is not", EnvPassword, EnvUsername)
	}
	if tok != "" {
		cfg.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: promconfig.Secret(tok)}
	}
	if tokFile != "" {
		cfg.Authorization = &promconfig.Authorization{Type: "Bearer", CredentialsFile: tokFile}
	}
	if user != "" {
		cfg.BasicAuth = &promconfig.BasicAuth{Username: user, Password: promconfig.Secret(pass), PasswordFile: passFile}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// bounded counts requests and caps response bodies.
type bounded struct {
	next    http.RoundTripper
	n, max  int64
	maxBody int64
}

// errTooMany is returned once a run has used its request budget.
var errTooMany = errors.New("request limit reached")

// The limits a Server works within (diag.LimitError names them; the CLI
// adds the flag that sets each).
const (
	LimitRequests     diag.Limit = "prometheus requests"
	LimitResponseSize diag.Limit = "prometheus response size"
	LimitTimeout      diag.Limit = "prometheus timeout"
)

func (b *bounded) RoundTrip(r *http.Request) (*http.Response, error) {
	if atomic.AddInt64(&b.n, 1) > b.max {
		return nil, &diag.LimitError{Limit: LimitRequests, Err: fmt.Errorf("%w: more than %d requests", errTooMany, b.max)}
	}
	resp, err := b.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &capped{rc: resp.Body, left: b.maxBody, max: b.maxBody}
	return resp, nil
}

type capped struct {
	rc        io.ReadCloser
	left, max int64
}

func (c *capped) Read(p []byte) (int, error) {
	// Read one byte past the cap, so a body of exactly max bytes passes
	// and a larger one fails instead of being cut silently.
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, &diag.LimitError{Limit: LimitResponseSize, Err: fmt.Errorf("response larger than %d bytes", c.max)}
	}
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }

// wrap names the server and the endpoint, and says which bound was hit.
func (s *Server) wrap(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &diag.LimitError{Limit: LimitTimeout, Err: fmt.Errorf("prometheus %s: %s: no answer within %s", s.URL, what, s.timeout)}
	}
	return fmt.Errorf("prometheus %s: %s: %w", s.URL, what, err)
}

// scrapeConfig is the part of Prometheus's configuration live checks read.
type scrapeConfig struct {
	Global struct {
		ScrapeInterval model.Duration `yaml:"scrape_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName        string         `yaml:"job_name"`
		ScrapeInterval model.Duration `yaml:"scrape_interval"`
	} `yaml:"scrape_configs"`
}

func (s *Server) readConfig(text string) error {
	var c scrapeConfig
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		return err
	}
	// Prometheus's documented default, for a config that leaves it out.
	s.GlobalScrape = time.Minute
	if c.Global.ScrapeInterval > 0 {
		s.GlobalScrape = time.Duration(c.Global.ScrapeInterval)
	}
	s.Scrape = map[string]time.Duration{}
	for _, sc := range c.ScrapeConfigs {
		iv := s.GlobalScrape
		if sc.ScrapeInterval > 0 {
			iv = time.Duration(sc.ScrapeInterval)
		}
		s.Scrape[sc.JobName] = iv
	}
	return nil
}

// ScrapeInterval is job's scrape interval, or the global one for a job
// the configuration does not name (federated or remote-written series).
func (s *Server) ScrapeInterval(job string) time.Duration {
	if iv, ok := s.Scrape[job]; ok {
		return iv
	}
	return s.GlobalScrape
}

// cached runs f once per key, even when rules checked in parallel ask at
// the same time.
func (s *Server) cached(key string, f func(ctx context.Context) (any, error)) (any, error) {
	s.mu.Lock()
	e, ok := s.cache[key]
	if !ok {
		e = &entry{done: make(chan struct{})}
		s.cache[key] = e
	}
	s.mu.Unlock()
	if ok {
		<-e.done
		return e.val, e.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	e.val, e.err = f(ctx)
	close(e.done)
	return e.val, e.err
}

// lookback is how far back a series counts as existing: long enough for
// a counter of rare errors that was last written an hour ago.
const lookback = time.Hour

// Jobs returns the jobs whose series match selector (an instant vector
// selector such as `foo{code="500"}`), empty when none does.
func (s *Server) Jobs(selector string) ([]string, error) {
	q := fmt.Sprintf("count by (job) (last_over_time(%s[%s]))", selector, model.Duration(lookback))
	v, err := s.cached("jobs\x00"+selector, func(ctx context.Context) (any, error) {
		val, _, _, err := s.api.Query(ctx, q, s.now())
		if err != nil {
			return nil, s.wrap("query "+q, err)
		}
		vec, ok := val.(model.Vector)
		if !ok {
			return nil, fmt.Errorf("prometheus %s: query %s: got %s, want a vector", s.URL, q, val.Type())
		}
		jobs := []string{}
		for _, smp := range vec {
			jobs = append(jobs, string(smp.Metric["job"]))
		}
		sort.Strings(jobs)
		return jobs, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// LabelNames returns the label names of the series selector matches.
func (s *Server) LabelNames(selector string) (map[string]bool, error) {
	v, err := s.cached("labels\x00"+selector, func(ctx context.Context) (any, error) {
		now := s.now()
		names, _, _, err := s.api.LabelNames(ctx, []string{selector}, now.Add(-lookback), now)
		if err != nil {
			return nil, s.wrap("/api/v1/labels?match[]="+selector, err)
		}
		m := map[string]bool{}
		for _, n := range names {
			m[string(n)] = true
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string]bool), nil
}

// LabelValues returns the values of label on the series selector matches.
func (s *Server) LabelValues(label, selector string) ([]string, error) {
	v, err := s.cached("values\x00"+label+"\x00"+selector, func(ctx context.Context) (any, error) {
		now := s.now()
		var match []string
		if selector != "" {
			match = []string{selector}
		}
		vals, _, _, err := s.api.LabelValues(ctx, label, match, now.Add(-lookback), now)
		if err != nil {
			return nil, s.wrap("/api/v1/label/"+label+"/values", err)
		}
		out := make([]string, len(vals))
		for i, x := range vals {
			out[i] = string(x)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// MetricNames returns every metric name the server has, for "did you mean".
func (s *Server) MetricNames() ([]string, error) { return s.LabelValues("__name__", "") }

// Type returns the metric's type from /api/v1/metadata ("counter",
// "gauge", "histogram", ...), or "" when the server has no metadata for
// it (recording rules, remote-written series).
func (s *Server) Type(metric string) (string, error) {
	v, err := s.cached("meta\x00"+metric, func(ctx context.Context) (any, error) {
		md, err := s.api.Metadata(ctx, metric, "")
		if err != nil {
			return nil, s.wrap("/api/v1/metadata?metric="+metric, err)
		}
		types := map[string]bool{}
		for _, m := range md[metric] {
			types[string(m.Type)] = true
		}
		if len(types) != 1 {
			return "", nil // none, or targets disagree: no basis to judge
		}
		for t := range types {
			return t, nil
		}
		return "", nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// Stamp says which server answered and when, for the end of a finding.
func (s *Server) Stamp(query string) string {
	return fmt.Sprintf("[prometheus %s at %s: %s]", s.URL, s.now().UTC().Format(time.RFC3339), query)
}

// Requests is how many requests the run has sent (or tried to), for the
// log line that shows a run's network use.
func (s *Server) Requests() int64 { return atomic.LoadInt64(&s.rt.n) }
