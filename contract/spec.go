package contract

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v4"

	clustersapi "github.com/glclusters/clustersapi"
)

// specFile is how findings name the spec in their locations.
const specFile = "openapi.yaml"

// apiSpec is openapi.yaml, loaded once: the validator, the operations and a line index for locations.
// It is safe for concurrent use.
type apiSpec struct {
	validator validator.Validator
	options   *config.ValidationOptions
	model     *v3.Document
	version   float32
	ops       []*operation
	root      *yaml.Node
}

// operation is one method on one path of the spec.
type operation struct {
	ID       string // operationId
	Method   string // GET, POST, ...
	Template string // /projects/{id}/clusters/{cluster_id}, relative to the server URL /api/v4
	item     *v3.PathItem
	op       *v3.Operation
	segments []string
}

var (
	defaultSpecOnce sync.Once
	defaultSpec     *apiSpec
	defaultSpecErr  error
)

// loadDefaultSpec returns the embedded openapi.yaml, built on first use and shared afterwards.
func loadDefaultSpec() (*apiSpec, error) {
	defaultSpecOnce.Do(func() { defaultSpec, defaultSpecErr = loadSpec(clustersapi.OpenAPI) })
	return defaultSpec, defaultSpecErr
}

// loadSpec parses an OpenAPI 3.0 document and builds its validator.
func loadSpec(raw []byte) (*apiSpec, error) {
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("parse spec: %w", err)
	}
	model, errs := doc.BuildV3Model()
	if errs != nil {
		return nil, fmt.Errorf("build spec model: %w", errs)
	}
	// Format assertions make date-time checked; strict mode is not set here: undeclared
	// fields are found by our own strict pass (strict.go), so they can be notes or errors.
	opts := []config.Option{config.WithFormatAssertions()}
	v := validator.NewValidatorFromV3Model(&model.Model, opts...)
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("index spec: %w", err)
	}
	s := &apiSpec{
		validator: v,
		options:   config.NewValidationOptions(opts...),
		model:     &model.Model,
		version:   3.0,
		root:      &root,
	}
	if strings.HasPrefix(model.Model.Version, "3.1") {
		s.version = 3.1
	}
	for template, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			s.ops = append(s.ops, &operation{
				ID:       op.OperationId,
				Method:   strings.ToUpper(method),
				Template: template,
				item:     item,
				op:       op,
				segments: strings.Split(strings.Trim(template, "/"), "/"),
			})
		}
	}
	return s, nil
}

// route finds the operation for a method and an escaped path relative to /api/v4
// (e.g. /projects/demo-group%2Fdemo/clusters/user). Literal segments win over parameters.
func (s *apiSpec) route(method, escapedPath string) *operation {
	if i := strings.IndexByte(escapedPath, '?'); i >= 0 {
		escapedPath = escapedPath[:i]
	}
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	var best *operation
	bestScore := -1
	for _, op := range s.ops {
		if op.Method != method || len(op.segments) != len(segs) {
			continue
		}
		score, ok := 0, true
		for i, t := range op.segments {
			switch {
			case strings.HasPrefix(t, "{"):
			case t == segs[i]:
				score++
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && score > bestScore {
			best, bestScore = op, score
		}
	}
	return best
}

// documentsStatus reports whether the operation declares the status (or its range, or a default).
func (o *operation) documentsStatus(status int) bool {
	if o.op.Responses == nil {
		return false
	}
	code := fmt.Sprint(status)
	if o.op.Responses.Codes.GetOrZero(code) != nil || o.op.Responses.Codes.GetOrZero(fmt.Sprintf("%dXX", status/100)) != nil {
		return true
	}
	return o.op.Responses.Default != nil
}

// documentedStatuses lists the declared status codes.
func (o *operation) documentedStatuses() []string {
	var out []string
	if o.op.Responses != nil {
		for code := range o.op.Responses.Codes.KeysFromOldest() {
			out = append(out, code)
		}
	}
	return out
}

// pointer is the JSON pointer of the operation in the spec.
func (o *operation) pointer() string {
	return "#/paths/" + escapePointer(o.Template) + "/" + strings.ToLower(o.Method)
}

// validateRaw returns libopenapi-validator's errors for one response.
func (s *apiSpec) validateRaw(req *http.Request, resp *http.Response) []*liberrors.ValidationError {
	_, errs := s.validator.ValidateHttpResponse(req, resp)
	return errs
}

// propertyPointer descends into a property of the schema at ptr, through $ref and allOf.
func (s *apiSpec) propertyPointer(ptr, key string) string {
	node, cur := s.nodeAt(ptr)
	if node == nil {
		return ptr + "/properties/" + escapePointer(key)
	}
	if props, _ := child(node, "properties"); props != nil {
		if p, _ := child(props, key); p != nil {
			return cur + "/properties/" + escapePointer(key)
		}
	}
	if all, _ := child(node, "allOf"); all != nil {
		for i := range all.Content {
			sub := fmt.Sprintf("%s/allOf/%d", cur, i)
			n, c := s.nodeAt(sub)
			if n == nil {
				continue
			}
			if props, _ := child(n, "properties"); props != nil {
				if p, _ := child(props, key); p != nil {
					return c + "/properties/" + escapePointer(key)
				}
			}
		}
	}
	return cur + "/properties/" + escapePointer(key)
}

// nodeAt resolves a pointer (following $ref) to its node and canonical pointer.
func (s *apiSpec) nodeAt(ptr string) (*yaml.Node, string) {
	node, cur := s.document(), "#"
	for _, tok := range splitPointer(ptr) {
		node, cur = s.deref(node, cur)
		next, _ := child(node, tok)
		if next == nil {
			return nil, ptr
		}
		node, cur = next, cur+"/"+escapePointer(tok)
	}
	return s.deref(node, cur)
}
