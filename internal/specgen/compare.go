package specgen

import (
	"fmt"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"
)

// Compare reports the first difference between got and want in their exported fields and the
// entries of the map-like types, and where one shares a value (a resolved $ref and its component)
// that the other does not. shared counts the values reached more than once.
func Compare(got, want *openapi3.T) (shared int, err error) {
	c := &comparer{pairs: map[uintptr]uintptr{}, back: map[uintptr]uintptr{}}
	err = c.equal(reflect.ValueOf(got), reflect.ValueOf(want), "doc")
	return c.shared, err
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
		if mapLike(a.Type()) { // entries kept unexported; reached through a pointer, so addressable
			m := func(v reflect.Value) reflect.Value { return v.Addr().MethodByName("Map").Call(nil)[0] }
			return c.equal(m(a), m(b), path)
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
