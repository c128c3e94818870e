package specdoc_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	clustersapi "github.com/glclusters/clustersapi"
	"github.com/glclusters/clustersapi/internal/specdoc"
	"github.com/glclusters/clustersapi/internal/specgen"
)

// The committed code is what the generator makes of today's openapi.yaml.
func TestGeneratedIsCurrent(t *testing.T) {
	want, err := specgen.Generate("specdoc", clustersapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("specdoc_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/specdoc/specdoc_gen.go is stale: openapi.yaml changed since it was generated; run `make generate`")
	}
}

// Doc is the document kin-openapi's loader makes of openapi.yaml: every exported field equal,
// the same values shared (a $ref's Value is its component's), and valid.
func TestDocEqualsLoader(t *testing.T) {
	want, err := openapi3.NewLoader().LoadFromData(clustersapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	got := specdoc.Doc()
	c := &comparer{pairs: map[uintptr]uintptr{}, back: map[uintptr]uintptr{}}
	if err := c.equal(reflect.ValueOf(got), reflect.ValueOf(want), "doc"); err != nil {
		t.Fatal(err)
	}
	if c.shared == 0 {
		t.Fatal("no value reached twice: the comparison did not see the resolved $refs")
	}
	if err := got.Validate(context.Background()); err != nil {
		t.Fatalf("Doc().Validate: %v", err)
	}
	if specdoc.Doc() == got || specdoc.Doc().Components.Schemas["Cluster"] == got.Components.Schemas["Cluster"] {
		t.Fatal("Doc returned shared values: callers may change their copy")
	}
}

// comparer compares two kin-openapi documents through exported fields (and the entries of the
// map-like types), requiring the pointers of one to map one-to-one onto the other's.
type comparer struct {
	pairs, back map[uintptr]uintptr
	shared      int
}

func (c *comparer) equal(a, b reflect.Value, path string) error {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return fmt.Errorf("%s: %s, want %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Errorf("%s: nil %v, want nil %v", path, a.IsNil(), b.IsNil())
			}
			return nil
		}
		pa, pb := a.Pointer(), b.Pointer()
		if q, ok := c.pairs[pa]; ok {
			if q != pb {
				return fmt.Errorf("%s: shares a value the loader's document does not share here", path)
			}
			c.shared++
			return nil
		}
		if _, ok := c.back[pb]; ok {
			return fmt.Errorf("%s: the loader's document shares a value here, Doc does not", path)
		}
		c.pairs[pa], c.back[pb] = pb, pa
		return c.equal(a.Elem(), b.Elem(), path)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Errorf("%s: nil %v, want nil %v", path, a.IsNil(), b.IsNil())
			}
			return nil
		}
		return c.equal(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if f.IsExported() {
				if err := c.equal(a.Field(i), b.Field(i), path+"."+f.Name); err != nil {
					return err
				}
			}
		}
		switch x := a.Addr().Interface().(type) { // the map-like types keep entries unexported
		case *openapi3.Paths:
			return c.equal(reflect.ValueOf(x.Map()), reflect.ValueOf(b.Addr().Interface().(*openapi3.Paths).Map()), path)
		case *openapi3.Responses:
			return c.equal(reflect.ValueOf(x.Map()), reflect.ValueOf(b.Addr().Interface().(*openapi3.Responses).Map()), path)
		case *openapi3.Callback:
			return c.equal(reflect.ValueOf(x.Map()), reflect.ValueOf(b.Addr().Interface().(*openapi3.Callback).Map()), path)
		}
		return nil
	case reflect.Slice, reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Errorf("%s: %d entries (nil %v), want %d (nil %v)", path, a.Len(), a.IsNil(), b.Len(), b.IsNil())
		}
		if a.Kind() == reflect.Map {
			for _, k := range b.MapKeys() {
				av := a.MapIndex(k)
				if !av.IsValid() {
					return fmt.Errorf("%s: no key %v", path, k)
				}
				if err := c.equal(av, b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); err != nil {
					return err
				}
			}
			return nil
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if err := c.equal(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !a.Equal(b) {
		return fmt.Errorf("%s: %v, want %v", path, a, b)
	}
	return nil
}
