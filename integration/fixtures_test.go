package integration

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

// badRules is goodRules with a PromQL syntax error: an unclosed
// parenthesis in the expression on badRulesErrLine.
const badRules = `groups:
  - name: agent
    rules:
      - alert: AgentHighErrorRatio
        expr: sum by (service) (rate(agent_requests_total{status="error"}[5m]) > 0.05
        for: 10m
        labels:
          severity: ticket
        annotations:
          summary: "Agent {{ $labels.service }} fails more than 5% of requests"
          description: "The error ratio of {{ $labels.service }} is {{ $value | humanizePercentage }} over 5m."
`

const badRulesErrLine = 5

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
