package contract

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Shell variables a repro curl reads its secrets from: it is pasteable as is once they are
// set, and the report never holds their values.
var reproVars = []struct{ name, how string }{
	{"GITLAB_TOKEN", `export GITLAB_TOKEN=...   # your personal access token (the run's --token)`},
	{"CLUSTER_TOKEN", `export CLUSTER_TOKEN=...  # any Kubernetes token; the run sent a random one of its own`},
	{"CA_CERT", `export CA_CERT="$(awk '{printf "%s\\n", $0}' ca.pem)"  # a PEM certificate, its newlines as \n for JSON`},
}

// repro is what a repro curl line needs of a run, as data: its token (written $GITLAB_TOKEN),
// the secrets it sent (shell variable → value: $CLUSTER_TOKEN, $CA_CERT), and the redactor
// for anything else.
type repro struct {
	token   string
	secrets map[string]string
	redact  *Redactor
}

// curl reproduces an exchange on the command line. The token is read from $GITLAB_TOKEN, the
// cluster token and CA certificate the run sent from $CLUSTER_TOKEN and $CA_CERT.
func (r repro) curl(ex *exchange) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	if ex.Method != http.MethodGet {
		b.WriteString(" -X " + ex.Method)
	}
	switch tok := ex.ReqHeader.Get("Private-Token"); tok {
	case "":
	case r.token:
		b.WriteString(` -H "PRIVATE-TOKEN: $GITLAB_TOKEN"`)
	default:
		b.WriteString(" -H " + shellQuote("PRIVATE-TOKEN: "+r.redact.String(tok)))
	}
	if ex.ReqBody != nil {
		// each secret, as it appears inside the JSON body, becomes '"$VAR"': the single-quoted
		// body is left, the variable expanded in double quotes, and the body resumed
		body := string(ex.ReqBody)
		var vars []string
		for name, s := range r.secrets {
			if s == "" {
				continue
			}
			enc, _ := json.Marshal(s)
			inner := string(enc[1 : len(enc)-1])
			if strings.Contains(body, inner) {
				body = strings.ReplaceAll(body, inner, "\x00"+name+"\x00")
				vars = append(vars, name)
			}
		}
		quoted := shellQuote(r.redact.body([]byte(body)))
		for _, name := range vars {
			quoted = strings.ReplaceAll(quoted, "\x00"+name+"\x00", `'"$`+name+`"'`)
		}
		b.WriteString(" -H 'Content-Type: application/json' --data " + quoted)
	}
	b.WriteString(" " + shellQuote(r.redact.url(ex.URL)))
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// reproHelp says how to set the variables the findings' curl lines use.
func reproHelp(findings []Finding) []string {
	var out []string
	for _, v := range reproVars {
		for _, f := range findings {
			if strings.Contains(f.Curl, "$"+v.name) {
				out = append(out, v.how)
				break
			}
		}
	}
	return out
}
