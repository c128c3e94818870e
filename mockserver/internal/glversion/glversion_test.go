package glversion_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/glclusters/clustersapi/mockserver/internal/glversion"
)

// TestReleases: what each modelled release changes, and what Parse refuses.
func TestReleases(t *testing.T) {
	cases := []struct {
		in, text, behavesAs          string
		flagOn, maintainerRead, many bool
	}{
		{"11.7", "11.7.0", "11.7", true, true, false},
		{"12.10.3", "12.10.3", "12.10", true, true, false},
		{"13.0", "13.0.0", "13.0", true, false, false},
		{"v13.2", "13.2.0", "13.2", true, false, true},
		{"15.0", "15.0.0", "15.0", false, false, true},
		{"18.10", "18.10.0", "18.10", false, false, true},
		{"19.1", "19.1.0", "18.10 (the newest modelled)", false, false, true},
	}
	for _, tc := range cases {
		v, err := glversion.Parse(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.text, v.String(), tc.in)
		assert.Equal(t, tc.behavesAs, v.BehavesAs(), tc.in)
		assert.Equal(t, tc.flagOn, v.ClustersFlagDefault(), tc.in)
		assert.Equal(t, tc.maintainerRead, v.ReadNeedsMaintainer(), tc.in)
		assert.Equal(t, tc.many, v.MultipleClusters(), tc.in)
	}
	n := glversion.Newest
	assert.Equal(t, "18.10.0", n.String())
	assert.True(t, n.ClustersFlagDefault(), "without a version the clusters API is on")

	for in, want := range map[string]string{
		"11.6.9":  `gitlab version "11.6.9": the project clusters API exists from 11.7; give 11.7 or later`,
		"18":      `gitlab version "18": want X.Y or X.Y.Z, e.g. 14.10 (from 11.7, when the clusters API appeared)`,
		"15.+1":   `gitlab version "15.+1": want X.Y or X.Y.Z`,
		"1.2.3.4": `gitlab version "1.2.3.4": want X.Y or X.Y.Z`,
	} {
		_, err := glversion.Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}
