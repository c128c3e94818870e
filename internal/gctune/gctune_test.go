package gctune

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// inChild re-runs the named test in a fresh process with GOGC and GOMEMLIMIT unset and
// extra in its environment: the heap figures below are the process's own.
func inChild(t *testing.T, name string, extra ...string) bool {
	t.Helper()
	if os.Getenv("GCTUNE_CHILD") != "" {
		return false
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool {
		return strings.HasPrefix(e, "GOGC=") || strings.HasPrefix(e, "GOMEMLIMIT=")
	})
	cmd.Env = append(cmd.Env, append([]string{"GCTUNE_CHILD=1"}, extra...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("%s", out)
	return true
}

// rssKB is the process's resident memory, from /proc.
func rssKB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestHeadroomRaisesGoal: after a collection, the heap goal is GOGC=100's rule applied to the
// live heap with the ballast in it, so at least twice the ballast; the ballast is not resident.
func TestHeadroomRaisesGoal(t *testing.T) {
	if inChild(t, "TestHeadroomRaisesGoal") {
		return
	}
	const size = 256 << 20
	before := rssKB(t)
	h := Start(size)
	if h == nil || h.Size() != size {
		t.Fatalf("Start(%d) = %v although GOGC and GOMEMLIMIT are unset", size, h)
	}
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	if live < size || goal < 2*size {
		t.Fatalf("live heap %d MiB, goal %d MiB; want live >= %d MiB and goal >= twice that", live>>20, goal>>20, size>>20)
	}
	// Never written, the ballast takes no memory: 256 MiB of it may not add even 64 MiB.
	if grew := rssKB(t) - before; grew > 64<<10 {
		t.Fatalf("resident memory grew by %d kB with the ballast", grew)
	}
	h.Stop()
	runtime.GC()
	metrics.Read(s)
	if live := s[1].Value.Uint64(); live >= size {
		t.Fatalf("live heap %d MiB after Stop, want the ballast gone", live>>20)
	}
}

// TestStartRespectsEnvironment: GOGC or GOMEMLIMIT in the environment turns the headroom off.
func TestStartRespectsEnvironment(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}[env])
			if h := Start(64 << 20); h != nil {
				t.Fatalf("Start allocated a ballast although %s is set", env)
			}
		})
	}
	var h *Headroom
	h.Stop() // a nil Headroom (the environment won) stops without panicking
	if h.Size() != 0 {
		t.Fatal("nil Headroom has a size")
	}
}
