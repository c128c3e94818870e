package contract

import (
	"net/http"
	"strings"
)

// curl reproduces an exchange on the command line, with the token read from $GITLAB_TOKEN and
// the secrets the run sent redacted.
func (r *runner) curl(ex *exchange) string {
	var b strings.Builder
	b.WriteString("curl -sS")
	if ex.Method != http.MethodGet {
		b.WriteString(" -X " + ex.Method)
	}
	switch tok := ex.ReqHeader.Get("Private-Token"); tok {
	case "":
	case r.cfg.Token:
		b.WriteString(` -H "PRIVATE-TOKEN: $GITLAB_TOKEN"`)
	default:
		b.WriteString(" -H " + shellQuote("PRIVATE-TOKEN: "+r.redact.String(tok)))
	}
	if ex.ReqBody != nil {
		b.WriteString(" -H 'Content-Type: application/json' --data " + shellQuote(r.redact.Body(ex.ReqBody)))
	}
	b.WriteString(" " + shellQuote(r.redact.URL(ex.URL)))
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
