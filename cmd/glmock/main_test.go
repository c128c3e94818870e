package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/glclusters/clustersapi/mockserver"
)

// TestKill9LeavesAWholeState kills glmock with SIGKILL in the middle of writes, several times,
// and checks the state file: it always parses, and holds every write that was acknowledged.
func TestKill9LeavesAWholeState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := filepath.Join(t.TempDir(), "glmock")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	acked := map[int]bool{}
	for round := 0; round < 3; round++ {
		cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--state", state)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := waitListening(t, stdout)
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 2 * time.Second}
				for i := 0; i < 500; i++ { // bounded in count; the kill ends it sooner
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"name":"k","environment_scope":"r%d-w%d-%d","platform_kubernetes_attributes":{"api_url":"https://k.example.com","token":"t"}}`, round, w, i)
					req, _ := http.NewRequest("POST", "http://"+addr+"/api/v4/projects/1/clusters/user", strings.NewReader(body))
					req.Header.Set("PRIVATE-TOKEN", "maintainer-token")
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						return // killed
					}
					var c struct{ ID int }
					json.NewDecoder(resp.Body).Decode(&c)
					resp.Body.Close()
					if resp.StatusCode == 201 {
						mu.Lock()
						acked[c.ID] = true
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(100+round*70) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		close(stop)
		wg.Wait()
		cmd.Wait()

		seed, err := mockserver.LoadSeed(state)
		if err != nil {
			t.Fatalf("round %d: the state file is torn: %v", round, err)
		}
		stored := map[int]bool{}
		for _, c := range seed.Clusters {
			stored[c.ID] = true
		}
		mu.Lock()
		for id := range acked {
			if !stored[id] {
				t.Errorf("round %d: cluster %d was acknowledged but is not in the state file", round, id)
			}
		}
		n := len(acked)
		mu.Unlock()
		t.Logf("round %d: %d acknowledged creates so far, %d clusters stored", round, n, len(seed.Clusters))
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged: the test proved nothing")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(state), ".state.json.tmp-*"))
	if len(leftovers) > 1 {
		t.Errorf("temporary files pile up: %v", leftovers)
	}
	_ = os.Remove(state)
}

func waitListening(t *testing.T, stdout interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("glmock exited before listening")
			}
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				go func() {
					for range lines { // keep draining so the child never blocks on its logs
					}
				}()
				return l.Addr
			}
		case <-timeout:
			t.Fatal("glmock did not start")
		}
	}
}
