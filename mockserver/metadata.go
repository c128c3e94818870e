package mockserver

import (
	"net/http"

	"github.com/glclusters/clustersapi/mockserver/internal/paging"
)

// getVersion serves GET /version.
func (s *Server) getVersion(c *call) {
	c.json(http.StatusOK, mustJSON(map[string]any{
		"version": s.gv.String(), "revision": "glmock", "enterprise": false,
		"kas": map[string]any{"enabled": false, "externalUrl": nil, "version": nil},
	}))
}

// currentUserEntity is the user GET /user shows: Entities::UserBasic and then these fields.
type currentUserEntity struct {
	userBasicEntity
	CreatedAt string `json:"created_at"`
	IsAdmin   bool   `json:"is_admin"`
}

// getUser serves GET /user: the token's user.
func (s *Server) getUser(c *call) {
	u := c.tok.user
	// web_url follows the host the client used: python-gitlab's auth() compares it with its URL.
	e := currentUserEntity{userBasicEntity: userBasic(u, paging.RequestScheme(c.r)+"://"+c.r.Host),
		CreatedAt: "2019-01-02T20:10:00.000Z", IsAdmin: u.admin}
	c.json(http.StatusOK, mustJSON(e))
}
