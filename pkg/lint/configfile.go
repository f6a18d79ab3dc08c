package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/agentalerts/agentalerts/internal/limits"
	"github.com/agentalerts/agentalerts/internal/yamlx"
	"github.com/agentalerts/agentalerts/pkg/diag"
)

// ConfigFileName is the file FindConfig looks for.
const ConfigFileName = ".agentalerts.yaml"

// ConfigSections are the top-level keys of .agentalerts.yaml other than
// lint:, owned by other commands. LoadConfig accepts them without reading
// them; any other top-level key is an error, as a typo would otherwise
// silently leave the defaults in force.
var ConfigSections = []string{"generate", "test"}

// FindConfig looks for .agentalerts.yaml in dir and each of its parents,
// nearest first, and returns the path of the first one found.
func FindConfig(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, ConfigFileName)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// LoadConfig reads the lint: section of a config file over the defaults.
// Problems come back as a diag.List naming file:line:col and what was
// expected; unknown keys are errors. The file is read through the bounded
// path (internal/limits): a config committed as a link to /dev/zero, or
// gigabytes long, is refused before it is read.
func LoadConfig(path string) (*Config, error) {
	src, err := limits.ReadFile(path, limits.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(filepath.ToSlash(path), src)
	if err != nil {
		return nil, err
	}
	if err := cfg.LoadRoutes(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// LoadRoutes reads the Alertmanager configuration the config names
// (alertmanager_config) and fills RoutedSeverities from its routes. It is
// apart from ParseConfig so that parsing stays a function of the config's
// bytes: only LoadConfig, and a caller that wants the routes, touch a
// second file. A problem is reported at the alertmanager_config value.
func (cfg *Config) LoadRoutes() error {
	if cfg.AlertmanagerConfig == "" {
		return nil
	}
	sev, err := RoutedSeverities(cfg.AlertmanagerConfig, cfg.SeverityLabel)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", filepath.ToSlash(cfg.AlertmanagerConfig), pe.Err)
		}
		return diag.List{{Pos: cfg.alertmanagerPos, Check: "config/invalid", Severity: diag.Error,
			Message: fmt.Sprintf("alertmanager_config: %v", err)}}
	}
	cfg.RoutedSeverities = sev
	return nil
}

// ParseConfig is LoadConfig on a file's content.
func ParseConfig(path string, src []byte) (*Config, error) {
	cfg := DefaultConfig()
	cfg.File = path
	cfg.checkPos = map[string]diag.Pos{}
	c := &configReader{path: path}
	if d := screen(path, src); d != nil {
		d.Check = "config/invalid"
		return nil, diag.List{*d}
	}
	doc, err := yamlx.Parse(src)
	var se *yamlx.SyntaxError
	if errors.As(err, &se) {
		d := syntaxDiag(path, se)
		d.Check, d.Fix = "config/invalid", ""
		return nil, diag.List{d}
	}
	root := resolve(yamlx.Root(doc))
	if root == nil || isNull(root) {
		return cfg, nil
	}
	if !c.want(root, yaml.MappingNode, "a mapping with a lint: section") {
		return nil, c.errs
	}
	c.each(root, append([]string{"lint"}, ConfigSections...), func(k, v *yaml.Node) {
		if k.Value == "lint" {
			c.lint(cfg, v)
		}
	})
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return cfg, nil
}

type configReader struct {
	path string
	errs diag.List
}

func (c *configReader) fail(n *yaml.Node, format string, args ...any) {
	c.errs = append(c.errs, diag.Diagnostic{
		Pos: NodePos(c.path, n), Check: "config/invalid", Severity: diag.Error,
		Message: fmt.Sprintf(format, args...),
	})
}

func (c *configReader) want(n *yaml.Node, kind yaml.Kind, what string) bool {
	if n.Kind != kind {
		c.fail(n, "expected %s, found %s", what, describe(n))
		return false
	}
	return true
}

// each calls fn for every entry of mapping n, failing on unknown and
// repeated keys.
func (c *configReader) each(n *yaml.Node, known []string, fn func(k, v *yaml.Node)) {
	for e := range (yamlx.Schema{Known: known}).Entries(n) {
		switch k := e.Key; e.Problem {
		case yamlx.Duplicate:
			c.fail(k, "%q is set twice", k.Value)
		case yamlx.Unknown, yamlx.NotString:
			if e.Suggest != "" {
				c.fail(k, "unknown key %q, did you mean %q?", k.Value, e.Suggest)
			} else {
				c.fail(k, "unknown key %q, expected one of %v", k.Value, known)
			}
		default:
			fn(k, resolve(e.Value))
		}
	}
}

func (c *configReader) lint(cfg *Config, n *yaml.Node) {
	if isNull(n) || !c.want(n, yaml.MappingNode, "a mapping") {
		return
	}
	keys := []string{"checks", "severity", "required_labels", "required_annotations", "scrape_interval", "min_page_for", "routed_severities", "alertmanager_config", "servers", "dialect", "prometheus"}
	var amConfig, routed *yaml.Node
	pageSet := false
	c.each(n, keys, func(k, v *yaml.Node) {
		switch k.Value {
		case "checks":
			c.checks(cfg, v)
		case "severity":
			if isNull(v) || !c.want(v, yaml.MappingNode, "a mapping with label, values and page") {
				return
			}
			c.each(v, []string{"label", "values", "page"}, func(k, v *yaml.Node) {
				switch k.Value {
				case "label":
					if c.want(v, yaml.ScalarNode, "a label name") {
						if !model.LegacyValidation.IsValidLabelName(v.Value) {
							c.fail(v, "%q is not a valid label name", v.Value)
						}
						cfg.SeverityLabel = v.Value
					}
				case "values":
					cfg.SeverityValues = c.strings(v)
				case "page":
					pageSet = true
					cfg.PageValues = c.strings(v)
				}
			})
		case "required_labels":
			cfg.RequiredLabels = c.strings(v)
		case "required_annotations":
			cfg.RequiredAnnotations = c.strings(v)
			cfg.AnnotationStandIns = nil
		case "routed_severities":
			routed = k
			cfg.RoutedSeverities = c.strings(v)
		case "alertmanager_config":
			if c.want(v, yaml.ScalarNode, "the path of an Alertmanager configuration file") {
				amConfig = v
			}
		case "scrape_interval":
			cfg.ScrapeInterval = c.duration(v)
		case "min_page_for":
			cfg.MinPageFor = c.duration(v)
		case "servers":
			cfg.Servers = c.servers(v)
		case "dialect":
			if c.want(v, yaml.ScalarNode, "a dialect name") {
				d, err := ParseDialect(v.Value)
				if err != nil {
					c.fail(v, "%v", err)
				}
				cfg.Dialect = d
			}
		case "prometheus":
			if c.want(v, yaml.ScalarNode, "the URL of a Prometheus server") {
				cfg.Prometheus = v.Value
			}
		}
	})
	if !pageSet && len(cfg.SeverityValues) > 0 {
		// The default paging values that the team's set keeps: values
		// [page, ticket, log] pages on page, [critical, warning] on critical.
		var page []string
		for _, p := range cfg.PageValues {
			if slices.Contains(cfg.SeverityValues, p) {
				page = append(page, p)
			}
		}
		cfg.PageValues = page
	}
	if amConfig != nil {
		c.alertmanager(cfg, amConfig, routed)
	}
	for _, p := range cfg.PageValues {
		if len(cfg.SeverityValues) > 0 && !slices.Contains(cfg.SeverityValues, p) {
			c.fail(n, "severity.page value %q is not one of severity.values %v", p, cfg.SeverityValues)
		}
	}
}

// servers reads lint.servers: server name -> list of path globs.
func (c *configReader) servers(n *yaml.Node) map[string][]string {
	if isNull(n) || !c.want(n, yaml.MappingNode, "a mapping of server name to a list of path globs") {
		return nil
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		globs := c.strings(v)
		for _, g := range globs {
			if _, err := filepath.Match(g, ""); err != nil {
				c.fail(v, "bad glob %q under servers.%s: %v", g, k.Value, err)
			}
		}
		out[k.Value] = globs
	}
	return out
}

// alertmanager records the Alertmanager configuration at n, resolved
// against the config file's directory, for LoadRoutes to read.
func (c *configReader) alertmanager(cfg *Config, n, routed *yaml.Node) {
	if routed != nil {
		c.fail(routed, "routed_severities and alertmanager_config both set; keep one (alertmanager_config reads the routed severities from the routes)")
		return
	}
	p := filepath.FromSlash(n.Value)
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(filepath.FromSlash(c.path)), p)
	}
	cfg.AlertmanagerConfig = p
	cfg.alertmanagerPos = NodePos(c.path, n)
}

func (c *configReader) checks(cfg *Config, n *yaml.Node) {
	if isNull(n) || !c.want(n, yaml.MappingNode, "a mapping of check id to {enabled, severity}") {
		return
	}
	for e := range (yamlx.Schema{}).Entries(n) {
		k, v := e.Key, resolve(e.Value)
		id := k.Value
		if e.Problem == yamlx.Duplicate {
			c.fail(k, "check %q is configured twice", id)
			continue
		}
		cfg.checkPos[id] = NodePos(c.path, k)
		var cc CheckConfig
		switch {
		case v.Kind == yaml.ScalarNode && (v.Value == "false" || v.Value == "off"):
			off := false // the shorthand ID: false
			cc.Enabled = &off
		case v.Kind == yaml.ScalarNode && (v.Value == "true" || v.Value == "on"):
			on := true
			cc.Enabled = &on
		case !c.want(v, yaml.MappingNode, "{enabled: true|false, severity: error|warning|info} or false"):
			continue
		default:
			c.each(v, []string{"enabled", "severity"}, func(k, v *yaml.Node) {
				switch k.Value {
				case "enabled":
					var b bool
					if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
						c.fail(v, "enabled must be true or false")
						return
					}
					cc.Enabled = &b
				case "severity":
					s, err := diag.ParseSeverity(v.Value)
					if err != nil || v.Kind != yaml.ScalarNode {
						c.fail(v, "severity must be error, warning or info, not %s", describe(v))
						return
					}
					cc.Severity = s
				}
			})
		}
		cfg.Checks[id] = cc
	}
}

func (c *configReader) strings(n *yaml.Node) []string {
	if isNull(n) {
		return nil
	}
	if !c.want(n, yaml.SequenceNode, "a list of strings") {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, it := range n.Content {
		it = resolve(it)
		if c.want(it, yaml.ScalarNode, "a string") {
			out = append(out, it.Value)
		}
	}
	return out
}

func (c *configReader) duration(n *yaml.Node) time.Duration {
	if !c.want(n, yaml.ScalarNode, "a duration such as 30s or 1m") {
		return 0
	}
	d, err := model.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		c.fail(n, "%q is not a positive duration such as 30s or 1m", n.Value)
		return 0
	}
	return time.Duration(d)
}

// Validate checks the configured check ids against the registered checks
// (known), so a typo in checks: is an error rather than a silent no-op.
func (cfg *Config) Validate(known []*Check) error {
	ids := make([]string, 0, len(known))
	for _, c := range known {
		ids = append(ids, c.ID)
	}
	var errs diag.List
	for id := range cfg.Checks {
		if slices.Contains(ids, id) {
			continue
		}
		pos := cfg.checkPos[id]
		if pos.File == "" {
			pos.File = cfg.File
		}
		msg := fmt.Sprintf("unknown check %q in checks:", id)
		if s := yamlx.Suggest(id, ids); s != "" {
			msg += fmt.Sprintf(", did you mean %q?", s)
		}
		errs = append(errs, diag.Diagnostic{Pos: pos, Check: "config/invalid", Severity: diag.Error, Message: msg})
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Pos.Line < errs[j].Pos.Line })
	return errs.Err()
}
