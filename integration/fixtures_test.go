package integration

import "strings"

// goodRulesNamed is goodRules with another group and alert name, for a
// second clean file in the same run (the same alert twice is a finding).
func goodRulesNamed(name string) string {
	return strings.NewReplacer("name: agent", "name: "+name, "AgentHighErrorRatio", name).Replace(goodRules)
}

// goodRules lints clean under the default config: a ratio with a for, a
// severity from the default set, summary and description.
const goodRules = `groups:
  - name: agent
    rules:
      - alert: AgentHighErrorRatio
        expr: |
          sum by (service) (rate(agent_requests_total{status="error"}[5m]))
            /
          sum by (service) (rate(agent_requests_total[5m])) > 0.05
        for: 10m
        labels:
          severity: ticket
        annotations:
          summary: "Agent {{ $labels.service }} fails more than 5% of requests"
          description: "The error ratio of {{ $labels.service }} is {{ $value | humanizePercentage }} over 5m."
`

// badRules is the seed's classic mistake: an alert about an error rate
// whose expression divides nothing, so "> 0.1" compares errors per second,
// not a fraction. Its expression is on badRulesLine.
const badRules = `groups:
  - name: agent-errors
    rules:
      - alert: AgentErrorRateHigh
        expr: sum by (service) (rate(agent_request_errors_total[5m])) > 0.1
        for: 10m
        labels:
          severity: ticket
        annotations:
          summary: "The error rate of {{ $labels.service }} is above 10%"
          description: "{{ $labels.service }} fails more than 10% of its requests."
`

const badRulesLine = 5

// notRules is YAML that is not a rule file; the pre-commit hook must not
// pass it to lint.
const notRules = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
`
