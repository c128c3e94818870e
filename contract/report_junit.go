package contract

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// JUnit XML as GitLab CI's test report reads it: testsuites > testsuite > testcase with
// failure, skipped and system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	ms         int64
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit renders a report as JUnit XML: a test suite per scenario, a test case per step,
// one failure per step listing its findings; drift and cleanup get suites of their own.
func WriteJUnit(w io.Writer, r *Report) error {
	j := &junitBuilder{
		out:   junitSuites{Name: "glcontract", Time: seconds(r.DurationMS)},
		props: suiteProperties(r),
		stamp: r.StartedAt.Format("2006-01-02T15:04:05"),
		idx:   map[string]int{},
	}
	byStep := map[string][]Finding{}
	for _, f := range r.Findings {
		byStep[f.Scenario+"\x00"+f.Step] = append(byStep[f.Scenario+"\x00"+f.Step], f)
	}
	for _, st := range r.Steps {
		j.stepCase(st, byStep[st.Scenario+"\x00"+st.Step])
	}
	if len(r.Cleanup) > 0 || len(byStep["cleanup\x00"]) > 0 {
		j.cleanupSuite(r.Cleanup)
	}
	if r.Baseline != nil && (r.Result != ResultAborted || len(r.Drift) > 0) {
		j.driftSuite(r)
	}
	if r.Result == ResultAborted || r.Result == ResultInterrupted {
		// a run that could not reach a verdict fails in CI's test widget, with its reason
		s := j.suite("glcontract")
		s.Cases = append(s.Cases, junitCase{Name: "run " + string(r.Result), Classname: "glcontract.run", Time: seconds(r.DurationMS),
			Failure: &junitFailure{Message: r.Reason, Type: string(r.Result), Text: r.Reason}})
		s.Tests++
		s.Failures++
	}
	j.out.total()
	b, err := xml.MarshalIndent(j.out, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, xml.Header+r.redactor().String(string(b))+"\n")
	return err
}

// junitBuilder gathers the suites, one per name, in the order they first appear.
type junitBuilder struct {
	out   junitSuites
	props []junitProperty
	stamp string
	idx   map[string]int
}

func (j *junitBuilder) suite(name string) *junitSuite {
	if i, ok := j.idx[name]; ok {
		return &j.out.Suites[i]
	}
	j.idx[name] = len(j.out.Suites)
	j.out.Suites = append(j.out.Suites, junitSuite{Name: name, Properties: j.props, Timestamp: j.stamp})
	return &j.out.Suites[len(j.out.Suites)-1]
}

// suiteProperties are what every suite says about the run.
func suiteProperties(r *Report) []junitProperty {
	props := []junitProperty{{"target", r.Target.URL}, {"project", r.Target.Project}, {"run_id", r.RunID}, {"result", string(r.Result)}}
	if r.Target.Group != "" {
		props = append(props, junitProperty{"group", r.Target.Group})
	}
	if r.Target.Instance {
		props = append(props, junitProperty{"instance", "true"})
	}
	if r.Target.Version != "" {
		props = append(props, junitProperty{"gitlab_version", r.Target.Version})
	}
	if r.Reason != "" {
		props = append(props, junitProperty{"reason", r.Reason})
	}
	return props
}

// stepCase adds a step's test case to its scenario's suite: skipped, failed with its errors,
// and its notes as output.
func (j *junitBuilder) stepCase(st StepResult, findings []Finding) {
	s := j.suite(st.Scenario)
	c := junitCase{Name: st.Step, Classname: "glcontract." + st.Scenario, Time: seconds(st.DurationMS)}
	var errs, notes []string
	types := map[string]bool{}
	for _, f := range findings {
		line := f.String()
		if f.SpecLocation != "" {
			line += "\n    spec: " + f.SpecLocation
		}
		if f.Curl != "" {
			line += "\n    repro: " + f.Curl
		}
		if f.Severity == SeverityError {
			errs = append(errs, line)
			types[string(f.Rule)] = true
		} else {
			notes = append(notes, line)
		}
	}
	switch {
	case st.Outcome == OutcomeSkipped:
		c.Skipped = &junitSkipped{Message: st.Detail}
		s.Skipped++
	case len(errs) > 0:
		c.Failure = &junitFailure{Message: fmt.Sprintf("%d finding(s): %s", len(errs), firstLine(errs[0])), Type: strings.Join(slices.Sorted(maps.Keys(types)), ","), Text: strings.Join(errs, "\n")}
		s.Failures++
	}
	if len(notes) > 0 {
		c.SystemOut = "notes:\n" + strings.Join(notes, "\n")
	}
	if st.Request != "" {
		c.SystemOut = strings.TrimSpace(st.Request + fmt.Sprintf(" → %d\n", st.Status) + c.SystemOut)
	}
	s.Cases = append(s.Cases, c)
	s.Tests++
	s.ms += st.DurationMS
}

// cleanupSuite has a case per object the run deleted at exit, failed when it is still there.
func (j *junitBuilder) cleanupSuite(cleanup []Cleanup) {
	s := j.suite("cleanup")
	for _, cl := range cleanup {
		c := junitCase{Name: cl.Request, Classname: "glcontract.cleanup", Time: "0"}
		if !cl.OK {
			c.Failure = &junitFailure{Message: "not deleted", Type: string(RuleCleanup), Text: cl.Detail}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
}

// driftSuite has a case per drift from the baseline, failed when the drift fails the run.
func (j *junitBuilder) driftSuite(r *Report) {
	s := j.suite("drift")
	if len(r.Drift) == 0 {
		s.Cases = append(s.Cases, junitCase{Name: "no drift since run " + r.Baseline.RunID, Classname: "glcontract.drift", Time: "0"})
		s.Tests++
	}
	for _, d := range r.Drift {
		c := junitCase{Name: strings.TrimSpace(d.Key + " " + d.Field), Classname: "glcontract.drift." + string(d.Kind), Time: "0"}
		if failingDrift([]Drift{d}, r.Strict) {
			c.Failure = &junitFailure{Message: d.Message, Type: string(d.Kind) + "/" + string(d.Category), Text: d.String()}
			s.Failures++
		} else {
			c.SystemOut = d.String()
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
}

// total sums the suites' counts and times into the root.
func (out *junitSuites) total() {
	for i := range out.Suites {
		s := &out.Suites[i]
		s.Time = seconds(s.ms)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
	}
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
