package contract

import (
	"fmt"
	"strings"
)

// Severity says whether a finding fails the run.
type Severity string

const (
	// SeverityError is a departure from the spec or from an expectation: the run fails.
	SeverityError Severity = "error"
	// SeverityNote is worth knowing but conformant, such as a field the spec does not
	// declare when --strict is off.
	SeverityNote Severity = "note"
)

// Rule names the check that produced a finding.
type Rule string

// Rules.
const (
	RuleStatus           Rule = "status"            // status not documented for the operation
	RuleSchema           Rule = "schema"            // body does not validate against the schema
	RuleHeader           Rule = "header"            // documented header missing or invalid
	RuleContentType      Rule = "content-type"      // not exactly application/json, or a body on 204
	RuleValue            Rule = "value"             // a status or value differs from the scenario's expectation
	RuleSecret           Rule = "secret-echo"       // the cluster token or CA certificate came back
	RulePagination       Rule = "pagination"        // headers and items of the page walk disagree
	RuleOrder            Rule = "order"             // the list is not in its documented order
	RuleUndeclaredField  Rule = "undeclared-field"  // a field the spec does not declare
	RuleUndeclaredHeader Rule = "undeclared-header" // a header the spec does not declare
	RuleCleanup          Rule = "cleanup"           // something the run created could not be deleted
	RuleTransport        Rule = "transport"         // the request failed without a response
	RuleCapture          Rule = "capture"           // a value a later step needs was not in the response
)

// Finding is one thing wrong (or, as a note, worth knowing) about one response.
type Finding struct {
	Severity     Severity `json:"severity"`
	Rule         Rule     `json:"rule"`
	Scenario     string   `json:"scenario"`
	Step         string   `json:"step"`
	Request      string   `json:"request"`             // "GET /api/v4/projects/1/clusters/18"
	Operation    string   `json:"operation,omitempty"` // operationId
	Field        string   `json:"field,omitempty"`     // JSON path ($.platform_kubernetes.namespace) or "header X-Total"
	Expected     string   `json:"expected,omitempty"`
	Actual       string   `json:"actual,omitempty"`
	Message      string   `json:"message"`                 // one line naming the fault
	SpecLocation string   `json:"spec_location,omitempty"` // openapi.yaml:612 #/components/schemas/Cluster/properties/id
	Curl         string   `json:"curl,omitempty"`          // reproduces the request, token redacted
}

// String is the finding on one line, as the console prints it.
func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s/%s: %s", f.Rule, f.Scenario, f.Step, f.Request)
	if f.Field != "" {
		fmt.Fprintf(&b, " %s", f.Field)
	}
	fmt.Fprintf(&b, ": %s", f.Message)
	if f.Expected != "" || f.Actual != "" {
		fmt.Fprintf(&b, " (expected %s, got %s)", orDash(f.Expected), orDash(f.Actual))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
