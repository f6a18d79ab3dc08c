package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
	"github.com/agentalerts/agentalerts/pkg/live"
	"github.com/agentalerts/agentalerts/pkg/rules"
)

// liveOptions are the flags of the commands that may ask a Prometheus
// server (lint --prometheus, generate --verify). Credentials are not
// flags: they come from the environment (live.Env*), never from argv.
type liveOptions struct {
	url                string
	timeout            time.Duration
	maxRequests        int
	maxResponse        string
	caFile, cert, key  string
	insecureSkipVerify bool
}

// bindLiveFlags adds the bounds and TLS flags; the flag naming the URL is
// the command's own (--prometheus, --verify).
func bindLiveFlags(f *pflag.FlagSet, o *liveOptions) {
	f.DurationVar(&o.timeout, "prometheus-timeout", live.DefaultTimeout, "give up on a Prometheus request after this long")
	f.IntVar(&o.maxRequests, "prometheus-max-requests", live.DefaultMaxRequests, "fail after this many requests to Prometheus in one run")
	f.StringVar(&o.maxResponse, "prometheus-max-response-size", "32MiB", "fail on a Prometheus response larger than this")
	f.StringVar(&o.caFile, "prometheus-ca-file", "", "CA bundle to verify the Prometheus server's certificate")
	f.StringVar(&o.cert, "prometheus-cert-file", "", "client certificate for Prometheus (with --prometheus-key-file)")
	f.StringVar(&o.key, "prometheus-key-file", "", "client key for Prometheus")
	f.BoolVar(&o.insecureSkipVerify, "prometheus-insecure-skip-verify", false, "do not verify the Prometheus server's certificate (test servers only)")
}

// connectLive connects to o.url, or returns nil when no URL was given:
// without one nothing reaches a network.
func connectLive(o liveOptions) (*live.Server, error) {
	if o.url == "" {
		return nil, nil
	}
	if o.timeout <= 0 {
		return nil, fmt.Errorf("--prometheus-timeout: %s is not a positive duration", o.timeout)
	}
	if o.maxRequests <= 0 {
		return nil, fmt.Errorf("--prometheus-max-requests: %d is not a positive number", o.maxRequests)
	}
	maxResp, err := parseByteSize(o.maxResponse)
	if err != nil {
		return nil, fmt.Errorf("--prometheus-max-response-size: %w", err)
	}
	return live.Connect(context.Background(), live.Options{
		URL: o.url, Timeout: o.timeout, MaxRequests: o.maxRequests, MaxResponseBytes: maxResp,
		CAFile: o.caFile, CertFile: o.cert, KeyFile: o.key, InsecureSkipVerify: o.insecureSkipVerify,
	})
}

// lintLive connects to --prometheus, or else to lint.prometheus of the
// config; the flag wins so one run can aim at a staging server.
func lintLive(o liveOptions, cfg *lint.Config) (*live.Server, error) {
	if o.url == "" {
		o.url = cfg.Prometheus
	}
	return connectLive(o)
}

// verifyLive is generate --verify: nothing is written or compared when a
// generated alert selects what the server does not have.
func verifyLive(s *IOStreams, o liveOptions, res *rules.Result) error {
	srv, err := connectLive(o)
	if err != nil || srv == nil {
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return nil
	}
	problems, err := live.Verify(srv, res)
	printError(s.ErrOut, diag.List(problems).Err())
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("verify incomplete: %w", err)}
	}
	if len(problems) > 0 {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d %s on %s: nothing written", len(problems), pluralize(len(problems), "problem", "problems"), srv.URL)}
	}
	alerts := 0
	for _, svc := range res.Services {
		alerts += len(svc.Alerts)
	}
	fmt.Fprintf(s.ErrOut, "agentalerts: verified the series of %d %s against %s (%d %s)\n",
		alerts, pluralize(alerts, "alert", "alerts"), srv.URL, srv.Requests(), pluralize(int(srv.Requests()), "request", "requests"))
	return nil
}
