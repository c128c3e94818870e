package seed

import (
	"fmt"
	"strconv"
	"strings"
)

// Redacted replaces a cluster's token in an export without secrets; an access token becomes
// [REDACTED-n] (n from 1, in the order of the tokens), so that tokens stay unique and the
// export still parses.
const Redacted = "[REDACTED]"

// Redact replaces the seed's secrets, cluster tokens and access tokens, with placeholders
// (Redacted).
func (s *Seed) Redact() {
	for i := range s.Clusters {
		s.Clusters[i].Platform.Token = Redacted
	}
	for i := range s.Tokens {
		s.Tokens[i].Token = Redacted[:len(Redacted)-1] + "-" + strconv.Itoa(i+1) + "]"
	}
}

// CheckNotRedacted refuses a redacted export: loaded, its placeholders would replace every
// token, and the next call, the control API's included, would get 401.
func (s *Seed) CheckNotRedacted() error {
	const how = "is a redacted placeholder from an export without secrets; to save and restore, export with GET /-/mock/state?secrets=true"
	for i, t := range s.Tokens {
		if strings.HasPrefix(t.Token, Redacted[:len(Redacted)-1]) {
			return &Error{fmt.Sprintf("tokens[%d].token", i), how}
		}
	}
	for i, c := range s.Clusters {
		if c.Platform.Token == Redacted {
			return &Error{fmt.Sprintf("clusters[%d].platform_kubernetes.token", i), how}
		}
	}
	return nil
}
