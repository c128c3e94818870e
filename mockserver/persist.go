package mockserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StateFileError is a state file that exists but cannot be used; the file is left as it is.
type StateFileError struct {
	Path string
	Err  error
}

func (e *StateFileError) Error() string {
	return fmt.Sprintf("state file %s: %v (left untouched; fix or remove it to start)", e.Path, e.Err)
}

func (e *StateFileError) Unwrap() error { return e.Err }

// resolveLink follows symbolic links from path to the file they name (which may not exist
// yet), so that the state is written through a link rather than over it.
func resolveLink(path string) (string, error) {
	for range 40 { // as Linux's own limit on nested links
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", errors.New("too many levels of symbolic links")
}

// readStateFile loads a saved state; ok is false when the file does not exist yet.
func readStateFile(path string) (seed *Seed, ok bool, err error) {
	if path, err = resolveLink(path); err != nil {
		return nil, false, &StateFileError{path, err}
	}
	// Temporary files of a write that a crash interrupted are ours and never complete.
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &StateFileError{path, err}
	}
	seed, err = ParseSeed(raw)
	if err != nil {
		return nil, false, &StateFileError{path, err}
	}
	return seed, true, nil
}

// writeStateFile replaces path atomically: a temporary file beside it is written and synced,
// then renamed over it, and the directory is synced, so a crash leaves the old or the new state.
func writeStateFile(path string, data []byte) error {
	path, err := resolveLink(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
