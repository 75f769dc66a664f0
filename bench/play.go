package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

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
	mem := fs.String("memprofile", "", "write a heap profile here at the end")
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
	stats, err := hrunner.Run(context.Background(), hrunner.Options{
		Inventories: []string{*inv},
		Connection:  transport.Defaults{DialRetries: 2},
		Exec:        executor.Options{Forks: *forks},
		Reporter:    report.NewText(io.Discard, 0, false),
	}, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("play: %w", err)
	}
	if *mem != "" {
		runtime.GC()
		f, err := os.Create(*mem)
		if err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
	}
	if code := stats.ExitCode(); code != 0 {
		return fmt.Errorf("play: exit code %d", code)
	}
	return nil
}
