package contract_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/contract"
)

func TestRedactor(t *testing.T) {
	r := contract.NewRedactor("glpat-secret-value", "k8s-token-1234")
	cases := []struct{ in, want string }{
		{"token glpat-secret-value here", "token [REDACTED] here"},
		{"https://gitlab/api/v4/x?private_token=abc&page=2", "https://gitlab/api/v4/x?private_token=[REDACTED]&page=2"},
		{"?access_token=xyz", "?access_token=[REDACTED]"},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "[REDACTED]"},
		{`"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----"`, `"[REDACTED]"`},
		{"nothing secret", "nothing secret"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, r.String(tc.in), tc.in)
	}
	body := contract.RedactBody(r, []byte(`{"name":"x","platform_kubernetes_attributes":{"token":"k8s-token-1234","ca_cert":"PEM","api_url":"https://k"},"ca_cert":null}`))
	require.Equal(t, `{"ca_cert":null,"name":"x","platform_kubernetes_attributes":{"api_url":"https://k","ca_cert":"[REDACTED]","token":"[REDACTED]"}}`, body)
	h := contract.RedactHeader(r, map[string][]string{"Private-Token": {"glpat-secret-value"}, "Authorization": {"Bearer x"}, "X-Other": {"glpat-secret-value!"}})
	require.Equal(t, "[REDACTED]", h.Get("Private-Token"))
	require.Equal(t, "[REDACTED]", h.Get("Authorization"))
	require.Equal(t, "[REDACTED]!", h.Get("X-Other"))
}
