package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/glclusters/clustersapi/mockserver"
)

// featureFlags collects repeated --feature NAME=BOOL flags.
type featureFlags map[string]bool

func (f featureFlags) String() string { return "" }

func (f featureFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=BOOL, e.g. certificate_based_clusters=false")
	}
	if err := mockserver.CheckFeature(name); err != nil {
		return err
	}
	on, err := parseBool(value)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	f[name] = on
	return nil
}

// parseBool reads a boolean as strconv.ParseBool does, with an error that lists the values.
func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean: use true or false (1, 0, t, f, TRUE, FALSE also work)", v)
	}
	return b, nil
}

// boolFlag is a flag.Value for a boolean whose error lists the accepted values (flag.Bool
// says only "parse error").
type boolFlag bool

func (b *boolFlag) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolFlag) IsBoolFlag() bool { return true }
func (b *boolFlag) Set(v string) error {
	on, err := parseBool(v)
	*b = boolFlag(on)
	return err
}

// intFlag is a flag.Value for a whole number whose error says so (flag.Int says "parse error").
type intFlag int

func (n *intFlag) String() string { return strconv.Itoa(int(*n)) }
func (n *intFlag) Set(v string) error {
	i, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	*n = intFlag(i)
	return nil
}

// oneOf is a flag.Value that accepts only the listed values.
type oneOf struct {
	value string
	valid []string
}

func (o *oneOf) String() string { return o.value }
func (o *oneOf) Set(v string) error {
	if !slices.Contains(o.valid, v) {
		return fmt.Errorf("%q: use %s", v, strings.Join(o.valid, " or "))
	}
	o.value = v
	return nil
}

// applyEnv sets every flag that has a GLMOCK_<NAME> variable, before the command line is
// parsed, so that flags win.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "version" {
			return // a command, not a setting: GLMOCK_VERSION must not stop every start
		}
		name := "GLMOCK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if f.Name == "feature" {
			name = "GLMOCK_FEATURES"
		}
		// A repeatable flag's variable is a comma-separated list.
		repeatable := f.Name == "feature" || f.Name == "tls-host"
		v, ok := lookup(name)
		if !ok || err != nil {
			return
		}
		for _, part := range strings.Split(v, ",") {
			if !repeatable {
				part = v
			}
			if e := fs.Set(f.Name, strings.TrimSpace(part)); e != nil {
				err = fmt.Errorf("%s: %v", name, e)
				return
			}
			if !repeatable {
				return
			}
		}
	})
	return err
}
