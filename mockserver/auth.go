package mockserver

import (
	"net/http"
	"strconv"
	"strings"
)

// authenticate finds the caller's token: PRIVATE-TOKEN (any case), Authorization: Bearer,
// or the private_token / access_token query parameter.
func (st *state) authenticate(r *http.Request) (*token, *apiError) {
	value := header(r, "Private-Token")
	if value == "" {
		if auth := header(r, "Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
			value = strings.TrimSpace(auth[7:])
		}
	}
	if value == "" && r.URL.RawQuery != "" {
		q := r.URL.Query()
		value = q.Get("private_token")
		if value == "" {
			value = q.Get("access_token")
		}
	}
	if value == "" {
		return nil, errNoToken // 401, unless the route lets anonymous users in (pipeline.go)
	}
	tok := st.tokens[value] // tokens never change after the state is built
	if tok == nil {
		return nil, errUnauthorized
	}
	if tok.readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, errInsufficientScope
	}
	as := header(r, "Sudo")
	if as == "" && r.URL.RawQuery != "" {
		as = r.URL.Query().Get("sudo")
	}
	if as != "" {
		return st.sudo(tok, as)
	}
	return tok, nil
}

// header is r.Header.Get for a key already in canonical form: a map lookup, without
// canonicalising the key on every request.
func header(r *http.Request, canonicalKey string) string {
	if v := r.Header[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// sudo is GitLab's sudo!: an admin's token with the sudo scope acts as another user, named by
// id or username.
func (st *state) sudo(tok *token, as string) (*token, *apiError) {
	if !tok.user.admin {
		return nil, messageError(http.StatusForbidden, "403 Forbidden - Must be admin to use sudo")
	}
	if !tok.sudo {
		return nil, errInsufficientSudoScope
	}
	for _, u := range st.users {
		if strconv.Itoa(u.id) == as || strings.EqualFold(u.username, as) {
			return &token{user: u, scopes: tok.scopes, readOnly: tok.readOnly}, nil
		}
	}
	return nil, messageError(http.StatusNotFound, "404 User with ID or username '"+as+"' Not Found")
}
