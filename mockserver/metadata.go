package mockserver

import (
	"encoding/json"
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

type currentUserEntity struct {
	ID        int     `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
	CreatedAt string  `json:"created_at"`
	IsAdmin   bool    `json:"is_admin"`
}

// getUser serves GET /user: the token's user.
func (s *Server) getUser(c *call) {
	u := c.tok.user
	var basic userBasicEntity
	json.Unmarshal(u.basic, &basic)
	// web_url follows the host the client used: python-gitlab's auth() compares it with its URL.
	e := currentUserEntity{ID: u.id, Username: u.username, Name: u.name, State: u.state, Locked: basic.Locked,
		AvatarURL: basic.AvatarURL, WebURL: paging.RequestScheme(c.r) + "://" + c.r.Host + "/" + u.username,
		CreatedAt: "2019-01-02T20:10:00.000Z", IsAdmin: u.admin}
	c.json(http.StatusOK, mustJSON(e))
}
