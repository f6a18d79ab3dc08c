package checks

import (
	"github.com/agentalerts/agentalerts/pkg/diag"
	"github.com/agentalerts/agentalerts/pkg/lint"
)

// malformed are the error-level checks: Prometheus would refuse the file.
// The reader itself finds the YAML and schema problems while decoding
// (they need the nodes, not the model), so those checks have no Run
// function: they are listed here for their id, docs, test data and config.
// The directive checks, about agentalerts comments, are listed here too.
var malformed = []*lint.Check{
	yamlSyntax, yamlDuplicateKey,
	schemaUnknownField, schemaWrongType, schemaMissingField, schemaAlertAndRecord,
	schemaBareList, schemaNotRules, schemaMultiDocument, schemaFieldValue,
	directiveSyntax, directiveUnknownCheck, directiveUnused,
	groupDuplicateName, promqlSyntax, ruleInvalidDuration, labelsInvalidName,
	templateSyntax, recordInvalidName, recordAlertOnlyField,
}

// A minimal valid rule file, the Good example of the reader's checks.
const goodRuleFile = `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: The agent is down
`

var yamlSyntax = &lint.Check{
	ID:       lint.IDYAMLSyntax,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "the file is not valid YAML",
		Text: `Prometheus cannot read a rule file that is not valid YAML, and refuses to
load it (a reload keeps the old rules and logs an error; a restart fails).
YAML's error positions are approximate: the problem is on the reported line
or just before it. Common causes are a tab used for indentation, a "- " list
item at the wrong depth, and an unquoted value holding ": " or starting with
"{", "[", "*", "&" or "%".`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
      annotations:
        summary: {{ $labels.instance }} is down
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        annotations:
          summary: "{{ $labels.instance }} is down"
`,
	},
}

var yamlDuplicateKey = &lint.Check{
	ID:       lint.IDYAMLDuplicateKey,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a key appears twice in one mapping",
		Text: `YAML forbids a key twice in one mapping, and Prometheus refuses the file.
A second expr:, labels: or a label written twice usually comes from a merge
or copy-paste, and one of the two values is not the one the author meant.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          severity: page
          severity: ticket
`,
		Good: goodRuleFile,
	},
}

var schemaUnknownField = &lint.Check{
	ID:       lint.IDSchemaUnknownField,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a key Prometheus does not know, often one written at the wrong level",
		Text: `Prometheus decodes rule files strictly: a key it does not know makes it
refuse the whole file. The usual cause is a label or annotation written
beside expr: instead of under labels: or annotations:, or a misspelt field
(label:, annotation:, expression:). The hint says where the key belongs or
which field was meant.

The fields are: at the top, groups; in a group, name, interval,
query_offset, limit, labels and rules; in a rule, alert or record, expr,
for, keep_firing_for, labels and annotations. PrometheusRule resources also
accept Thanos's partial_response_strategy in a group.

Other engines accept other fields: with --dialect (or lint.dialect in the
config) set to thanos, mimir, cortex or vmalert, lint accepts that engine's
fields and refuses the rest; a field another dialect accepts is named with
that dialect (docs/dialects.md).`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        severity: page
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          severity: page
`,
	},
}

var schemaWrongType = &lint.Check{
	ID:       lint.IDSchemaWrongType,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a value of the wrong kind: a list where a string belongs, a string where a mapping belongs",
		Text: `Each field of a rule file has one shape: groups and rules are lists,
labels and annotations are mappings of name to string, the others are
single values. Prometheus refuses a file where a field has another shape.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          - severity: page
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        labels:
          severity: page
`,
	},
}

var schemaMissingField = &lint.Check{
	ID:       lint.IDSchemaMissingField,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a required field is missing or empty: groups, a group name, alert/record, expr",
		Text: `Every group needs a name, and every rule needs an expr: and one of alert:
or record:. Prometheus refuses a file where one is missing or empty. A
mapping with no groups: key holds no rules at all.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        for: 5m
`,
		Good: goodRuleFile,
	},
}

var schemaAlertAndRecord = &lint.Check{
	ID:       lint.IDSchemaAlertRecord,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a rule sets both alert: and record:",
		Text: `A rule is either an alerting rule (alert:) or a recording rule (record:),
never both; Prometheus refuses the file. Split it into two rules.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentErrors
        record: job:agent_errors:rate5m
        expr: sum by (job) (rate(agent_errors_total[5m]))
`,
		Good: `groups:
  - name: agent
    rules:
      - record: job:agent_errors:rate5m
        expr: sum by (job) (rate(agent_errors_total[5m]))
      - alert: AgentErrors
        expr: job:agent_errors:rate5m > 1
`,
	},
}

var schemaBareList = &lint.Check{
	ID:       lint.IDSchemaBareList,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a bare list of rules with no groups:",
		Text: `Design notes and blog posts often show alerts as a plain YAML list. Prometheus
reads only files with a top-level groups: list, each group with a name: and
its rules:, and refuses a bare list. Wrap the list in a group.`,
		Bad: `- alert: AgentDown
  expr: up == 0
  for: 5m
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
        for: 5m
`,
	},
}

var schemaNotRules = &lint.Check{
	ID:       lint.IDSchemaNotRules,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "a YAML file that is not a rule file at all",
		Text: `A file with neither groups: nor a PrometheusRule resource, such as a
Kubernetes manifest or a promtool unit-test file, holds no rules, and
Prometheus refuses it as a rule file. Given to lint it is usually a path
that should not have been included: exclude it, or disable this check in
.agentalerts.yaml for a directory that mixes rules with other YAML. Files
that mix PrometheusRule resources with other objects are read without this
finding, and so are ConfigMaps that carry rule files in their data as
literal (|) blocks: those rules are read and checked in place.`,
		Bad: `apiVersion: v1
kind: ConfigMap
metadata:
  name: agent
data:
  rules.yaml: ""
`,
		Good: goodRuleFile,
	},
}

var schemaMultiDocument = &lint.Check{
	ID:       lint.IDSchemaMultiDocument,
	Severity: diag.Warning,
	Doc: lint.Doc{
		Precision: "2/2 true",
		Title:     "a plain rule file with several YAML documents: only the first is loaded",
		Text: `Prometheus reads only the first YAML document (the text before the first
---) of a rule file and silently ignores the others, so their rules never
run. PrometheusRule resources may share a file; plain rule files may not.
Move the groups into the first document or into files of their own.`,
		Bad: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
---
groups:
  - name: agent-latency
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
`,
		Good: `groups:
  - name: agent
    rules:
      - alert: AgentDown
        expr: up == 0
  - name: agent-latency
    rules:
      - alert: AgentSlow
        expr: agent:latency_seconds:p95 > 5
`,
	},
}

var directiveSyntax = &lint.Check{
	ID:       lint.IDDirectiveSyntax,
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "an agentalerts comment that is not a directive lint understands",
		Text: `lint reads two comment directives: "# agentalerts disable=ID[,ID] reason"
on a rule or on the line above it, and "# agentalerts file-disable=ID[,ID]
reason" anywhere in a file. A comment that starts with "# agentalerts" but
has another form silences nothing, so it is reported.`,
		Bad: `groups:
  - name: agent
    rules:
      # agentalerts ignore alert/severity
      - alert: AgentDown
        expr: up == 0
`,
		Good: `groups:
  - name: agent
    rules:
      # agentalerts disable=alert/severity routed by team label
      - alert: AgentDown
        expr: up == 0
`,
	},
}

var directiveUnknownCheck = &lint.Check{
	ID:       lint.IDDirectiveUnknownCheck,
	Severity: diag.Warning,
	Doc: lint.Doc{
		Title: "a disable directive names a check that does not exist",
		Text: `A directive naming a misspelt or removed check id silences nothing, and the
finding it was meant for still shows. Run "agentalerts explain" for the
list of check ids.`,
		Bad: `groups:
  - name: agent
    rules:
      # agentalerts disable=alert/severty
      - alert: AgentDown
        expr: up == 0
`,
		Good: `groups:
  - name: agent
    rules:
      # agentalerts disable=alert/severity
      - alert: AgentDown
        expr: up == 0
`,
	},
}

var directiveUnused = &lint.Check{
	ID:       lint.IDDirectiveUnused,
	Severity: diag.Info,
	Doc: lint.Doc{
		Title: "a disable directive that suppresses nothing",
		Text: `A directive whose check no longer fires on its rule (the rule was fixed),
or that sits neither on a rule nor directly above one, is stale: it would
hide a future problem the author never saw. Directives for checks disabled
in the configuration are not reported.`,
		Bad: `groups:
  - name: agent
    rules:
      # agentalerts disable=schema/unknown-field
      - alert: AgentDown
        expr: up == 0
`,
		Good: goodRuleFile,
	},
}

var schemaFieldValue = &lint.Check{
	ID:       lint.IDSchemaFieldValue,
	Severity: diag.Error,
	Doc: lint.Doc{
		Title: "an engine-specific field holds a value its engine refuses",
		Text: `The fields that Thanos, Mimir, Cortex and vmalert add to the rule file
format have values their engine checks while loading the file, refusing the
whole file (or group) when one is wrong: partial_response_strategy must be
warn or abort; source_tenants a list of tenant IDs; vmalert's type one of
prometheus, graphite or vlogs, concurrency and limit at least 0, headers
"Name: value" strings, eval_offset a duration no longer than the group's
interval (which it then needs) and never together with eval_delay; the
flags (debug, eval_alignment, align_evaluation_time_on_interval) true or
false. The fields are accepted only under the dialect that has them (see
schema/unknown-field and docs/dialects.md).`,
		Bad: `# vmalert rule file
groups:
  - name: agent
    type: promql
    concurrency: -1
    eval_offset: 1m
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
`,
		Good: `# vmalert rule file
groups:
  - name: agent
    type: prometheus
    concurrency: 2
    interval: 5m
    eval_offset: 1m
    rules:
      - alert: AgentDown
        expr: up{job="agent"} == 0
`,
	},
}
