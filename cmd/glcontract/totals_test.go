package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/internal/proxytest"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestCLITotalsThatAreNotNumbers: an X-Total or X-Total-Pages that is not a count (negative,
// zero for a list that has items, not a number, beyond int64) is a finding naming the header.
func TestCLITotalsThatAreNotNumbers(t *testing.T) {
	mock := mocktest.Start(t)
	for _, header := range []string{"X-Total", "X-Total-Pages"} {
		for _, value := range []string{"-5", "0", "NaN", "99999999999999999999999"} {
			t.Run(header+"="+value, func(t *testing.T) {
				url := proxytest.Rewrite(t, mock.URL, func(in proxytest.Exchange, out *proxytest.Upstream) {
					if in.Method == "GET" && strings.HasSuffix(in.Path, "/clusters") && out.Status == 200 {
						out.Header.Set(header, value)
					}
				}).URL
				r := glcontract(t, nil, "check", "--url", url, "--token", rootToken, "--project", project)
				require.Equal(t, 1, r.code, r.stdout+r.stderr)
				require.Contains(t, r.stdout, "header "+header, r.stdout)
			})
		}
	}
}
