package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentalerts/agentalerts/presets"
)

// TestEmitMatchesYAMLv3: for every golden spec, emitFile writes exactly
// the bytes yaml.v3 writes, and most rules take the direct path (else the
// fast writer would be dead code kept alive by its fallback).
func TestEmitMatchesYAMLv3(t *testing.T) {
	specs, err := filepath.Glob(filepath.Join(goldenDir, "*.spec.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no specs in %s (%v)", goldenDir, err)
	}
	var direct, all, files, fallbacks int
	for _, path := range specs {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := ParseSpec(path, src)
		if err != nil {
			continue // an error case
		}
		res, err := Generate(spec)
		if err != nil {
			continue
		}
		files++
		head := fileHead(res.Services, path)
		want, err := encodeYAML(res.Services, head)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := emitFile(res.Services, head)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			fallbacks++
			continue
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s: emitFile differs from yaml.v3 (-yaml.v3 +emitFile):\n%s", path, diff)
		}
		for _, s := range res.Services {
			for _, a := range s.Alerts {
				all++
				var b bytes.Buffer
				if emitAlertFast(&b, a) {
					direct++
				}
			}
		}
	}
	if fallbacks > 0 {
		t.Errorf("%d of %d golden files went to yaml.v3 as a whole, want none", fallbacks, files)
	}
	if all == 0 || direct*10 < all*9 {
		t.Errorf("%d of %d rules written directly, want at least 90%%", direct, all)
	}
}

// emitOne writes one alert holding s in every place a spec can put text,
// with emitAlert and with yaml.v3.
func emitOne(t *testing.T, s string) (got, want string) {
	t.Helper()
	a := &Alert{
		Name: "A" + s, Expr: s, For: time.Minute,
		Labels:      map[string]string{"severity": s, s: "x"},
		Annotations: map[string]string{"summary": s, "description": "x " + s, "runbook_url": s + " y"},
	}
	var b bytes.Buffer
	emitErr := emitAlert(&b, a)
	svc := []*ServiceRules{{Groups: []Group{{Name: "g", Alerts: []*Alert{a}}}}}
	ref, err := encodeYAML(svc, "h")
	if (emitErr != nil) != (err != nil) {
		t.Fatalf("emitAlert error %v, yaml.v3 error %v", emitErr, err)
	}
	if err != nil {
		t.Skip(err) // yaml.v3 itself refuses the value (invalid UTF-8)
	}
	return b.String(), string(ref[strings.Index(string(ref), "      - alert"):])
}

// TestEmitScalarStyles pins the values whose style is easy to get wrong.
func TestEmitScalarStyles(t *testing.T) {
	for _, s := range []string{
		"plain", "10", "1e3", "0x1F", ".5", "-1", "+1", ".inf", "~", "null", "Null", "true", "yes", "no", "on", "Off", "y", "N",
		"2026-11-26", "<<", "a: b", "a:", "a #b", "a#b", "#a", "'q'", "it's", `"dq"`, "{{ $value }}", "{x}", "[x]", "a, b",
		"- a", "-a", "? a", "?a", ":a", "a\tb", " lead", "trail ", "é", "a\nb", "a\n b", "a \nb", "\na", "a\n", "a\n\nb",
		"%x", "@x", "`x`", "!x", "&x", "*x", "|x", ">x", "/x", "(x)", "$x", "_x", strings.Repeat("k", 200),
		"---", "...", "=", "a=b", "x > 0.05", "a\\b", "\x7f", "\x00",
	} {
		got, want := emitOne(t, s)
		if got != want {
			t.Errorf("value %q:\n got:\n%s\nwant (yaml.v3):\n%s", s, got, want)
		}
	}
}

// FuzzEmitScalar holds emitAlert to yaml.v3 byte for byte on any text.
func FuzzEmitScalar(f *testing.F) {
	for _, s := range []string{"plain", "a: b", "{{ $labels.x }}", "sum(rate(x[5m]))\n/\nsum(y)", "10", "it's", " x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := emitOne(t, s)
		if got != want {
			t.Errorf("value %q:\n got:\n%s\nwant (yaml.v3):\n%s", s, got, want)
		}
	})
}

// TestGenerateLeavesPresetsAlone: presets.Load shares one decoded preset
// per process, so generating must never modify it. After every golden
// spec has been generated, each shared preset still equals a fresh decode.
func TestGenerateLeavesPresetsAlone(t *testing.T) {
	specs, _ := filepath.Glob(filepath.Join(goldenDir, "*.spec.yaml"))
	for _, path := range specs {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if spec, err := ParseSpec(path, src); err == nil {
			if res, err := Generate(spec); err == nil {
				if _, err := Render(res, path, false); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, name := range presets.Names() {
		shared, err := presets.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := presets.Raw(name)
		fresh, err := presets.Parse(name, raw)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fresh, shared); diff != "" {
			t.Errorf("preset %s was modified while generating (-fresh +shared):\n%s", name, diff)
		}
	}
}

// TestEmitFallbacks covers both ways out of the direct path: a rule with a
// value only yaml.v3 can style (a tab in a label value) is written by
// yaml.v3 inside a directly written file, and a group name that is not
// ASCII sends the whole file to yaml.v3. Either way Render writes exactly
// what yaml.v3 writes.
func TestEmitFallbacks(t *testing.T) {
	for _, tt := range []struct {
		name, spec string
		wholeFile  bool
	}{
		{"rule", "version: 1\ndefaults: {labels: {team: \"a\\tb\"}}\nservices:\n  - {name: s, job: j}\n", false},
		{"file", "version: 1\nservices:\n  - {name: agent-é, job: j}\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := mustGenerate(t, "spec.yaml", []byte(tt.spec))
			head := fileHead(res.Services, "spec.yaml")
			_, ok, err := emitFile(res.Services, head)
			if err != nil {
				t.Fatal(err)
			}
			if ok == tt.wholeFile {
				t.Errorf("emitFile ok = %v, want %v", ok, !tt.wholeFile)
			}
			var b bytes.Buffer
			if a := res.Services[0].Alerts[0]; emitAlertFast(&b, a) {
				t.Errorf("alert %s took the direct path", a.Name)
			}
			files, err := Render(res, "spec.yaml", false)
			if err != nil {
				t.Fatal(err)
			}
			want, err := encodeYAML(res.Services, head)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(files[""])); diff != "" {
				t.Errorf("Render differs from yaml.v3 (-yaml.v3 +Render):\n%s", diff)
			}
		})
	}
}

// TestEmitRuleShapes: the optional parts of a rule (keep_firing_for, an
// empty label set, an annotation left empty) are written as yaml.v3
// writes them.
func TestEmitRuleShapes(t *testing.T) {
	for _, a := range []*Alert{
		{Name: "A", Expr: "up == 0", For: 0, KeepFiringFor: 10 * time.Minute,
			Labels: map[string]string{"severity": "page"}, Annotations: map[string]string{"summary": "s", "description": "d", "runbook_url": "https://r"}},
		{Name: "B", Expr: "up == 0", For: time.Hour,
			Annotations: map[string]string{"summary": "s", "description": "d", "runbook_url": "https://r"}},
		{Name: "C", Expr: "up == 0", For: 90 * time.Second,
			Labels: map[string]string{"severity": "page"}, Annotations: map[string]string{"summary": "s"}},
	} {
		var b bytes.Buffer
		if err := emitAlert(&b, a); err != nil {
			t.Fatal(err)
		}
		ref, err := encodeYAML([]*ServiceRules{{Groups: []Group{{Name: "g", Alerts: []*Alert{a}}}}}, "h")
		if err != nil {
			t.Fatal(err)
		}
		want := string(ref[strings.Index(string(ref), "      - alert"):])
		if diff := cmp.Diff(want, b.String()); diff != "" {
			t.Errorf("alert %s (-yaml.v3 +emitAlert):\n%s", a.Name, diff)
		}
	}
}
