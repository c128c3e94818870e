package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/glclusters/clustersapi/mockserver/internal/seed"
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

// ReadStateFile loads a saved state; ok is false when the file does not exist yet.
func ReadStateFile(path string) (saved *seed.Seed, ok bool, err error) {
	if path, err = resolveLink(path); err != nil {
		return nil, false, &StateFileError{path, err}
	}
	// Temporary files of a write that a crash interrupted are ours and never complete.
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &StateFileError{path, err}
	}
	defer f.Close()
	saved, err = seed.Read(f) // a cluster at a time
	if err != nil {
		return nil, false, &StateFileError{path, err}
	}
	return saved, true, nil
}

// WriteStateFile replaces path atomically: a temporary file beside it is written (by
// write, through a buffer, so that a large state is never held whole in memory) and synced,
// then renamed over it, and the directory is synced, so a crash leaves the old or the new state.
func WriteStateFile(path string, write func(io.Writer) error) error {
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
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
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
