package clustersapi_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/stretchr/testify/require"

	clustersapi "github.com/glclusters/clustersapi"
	"github.com/glclusters/clustersapi/mockserver/mocktest"
)

// TestLibopenapiAcceptsReadTraffic: libopenapi-validator (what glcontract judges with) accepts
// every request and response of glmock's read API (issue 20), with and without a token, the
// errors included; mocktest checks the same traffic with kin-openapi.
func TestLibopenapiAcceptsReadTraffic(t *testing.T) {
	doc, err := libopenapi.NewDocument(clustersapi.OpenAPI)
	require.NoError(t, err)
	model, errs := doc.BuildV3Model()
	require.NoError(t, errs)
	v := validator.NewValidatorFromV3Model(&model.Model, config.WithFormatAssertions())
	srv := mocktest.Start(t)
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/api/v4/projects/demo-group%2Fdemo", "maintainer-token", 200},
		{"/api/v4/projects/1", "guest-token", 200},
		{"/api/v4/projects/3", "", 200},
		{"/api/v4/projects/1", "", 404},
		{"/api/v4/projects/3", "nope", 401},
		{"/api/v4/projects", "", 200},
		{"/api/v4/projects?membership=true&per_page=2&page=2", "maintainer-token", 200},
		{"/api/v4/projects?simple=true", "root-token", 200},
		{"/api/v4/projects?order_by=size", "root-token", 400},
		{"/api/v4/groups/platform", "owner-token", 200},
		{"/api/v4/groups/10", "", 200},
		{"/api/v4/groups/12", "outsider-token", 404},
		{"/api/v4/groups", "", 200},
		{"/api/v4/groups?search=plat", "maintainer-token", 200},
		{"/api/v4/groups/10/projects", "maintainer-token", 200},
		{"/api/v4/groups/10/projects", "", 200},
		{"/api/v4/groups/12/subgroups", "guest-token", 200},
		{"/api/v4/namespaces/12", "owner-token", 200},
		{"/api/v4/namespaces/12", "developer-token", 200},
		{"/api/v4/namespaces/12", "", 401},
		{"/api/v4/namespaces/13", "outsider-token", 404},
		{"/api/v4/projects/1/members/all", "guest-token", 200},
		{"/api/v4/groups/12/members/all?per_page=2", "guest-token", 200},
		{"/api/v4/groups/12/members/all", "outsider-token", 404},
		{"/api/v4/users/3", "outsider-token", 200},
		{"/api/v4/users/3", "root-token", 200},
		{"/api/v4/users/3", "", 403},
		{"/api/v4/users/999", "root-token", 404},
		{"/api/v4/projects/1/push_rule", "maintainer-token", 404},
	} {
		t.Run(c.path+" "+c.token, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+c.path, nil)
			require.NoError(t, err)
			if c.token != "" {
				req.Header.Set("PRIVATE-TOKEN", c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, c.want, resp.StatusCode, "%s", body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if c.want < 300 {
				ok, reqErrs := v.ValidateHttpRequest(req)
				for _, e := range reqErrs {
					t.Errorf("request: %s: %s", e.Message, e.Reason)
				}
				require.True(t, ok || len(reqErrs) == 0)
			}
			ok, respErrs := v.ValidateHttpResponse(req, resp)
			for _, e := range respErrs {
				t.Errorf("response: %s: %s", e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					t.Errorf("  %s: %s", se.FieldPath, se.Reason)
				}
			}
			require.True(t, ok || len(respErrs) == 0)
		})
	}
}
