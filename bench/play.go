package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	_ "github.com/hactl/hactl/modules/all" // the modules hactl play links
	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/report"
	hrunner "github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/transport"
)

// playMain plays a playbook in-process through pkg/runner, the library
// path of `hactl play`, with optional CPU and heap profiles. The harness
// uses it only for profiling; the measured runs use the hactl binary.
func playMain(args []string) error {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	inv := fs.String("i", "", "inventory")
	forks := fs.Int("forks", 50, "hosts at a time")
	cpu := fs.String("cpuprofile", "", "write a CPU profile here")
	mem := fs.String("memprofile", "", "write a heap profile taken when the heap in use peaked")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("play: want one playbook")
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var peak *heapPeak
	if *mem != "" {
		peak = watchHeap()
	}
	stats, err := hrunner.Run(context.Background(), hrunner.Options{
		Inventories: []string{*inv},
		Connection:  transport.Defaults{DialRetries: 2},
		Exec:        executor.Options{Forks: *forks},
		Reporter:    report.NewText(io.Discard, 0, false),
	}, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("play: %w", err)
	}
	if peak != nil {
		if err := peak.stop(*mem); err != nil {
			return err
		}
	}
	if code := stats.ExitCode(); code != 0 {
		return fmt.Errorf("play: exit code %d", code)
	}
	return nil
}

// heapPeak samples the heap every 200 ms and keeps the heap profile of the
// moment the heap in use was largest: at the end of a run the connections
// are closed and a final profile would miss them.
type heapPeak struct {
	done chan struct{}
	out  chan []byte
}

func watchHeap() *heapPeak {
	h := &heapPeak{done: make(chan struct{}), out: make(chan []byte, 1)}
	go func() {
		var best []byte
		var bestInuse uint64
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.done:
				h.out <- best
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse <= bestInuse {
					continue
				}
				var buf bytes.Buffer
				if err := pprof.Lookup("heap").WriteTo(&buf, 0); err == nil {
					best, bestInuse = buf.Bytes(), ms.HeapInuse
				}
			}
		}
	}()
	return h
}

// stop ends the sampling and writes the peak profile to path.
func (h *heapPeak) stop(path string) error {
	close(h.done)
	best := <-h.out
	if err := os.WriteFile(path, best, 0o644); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}
