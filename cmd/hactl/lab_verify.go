package main

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hactl/hactl/pkg/labverify"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
	"github.com/hactl/hactl/roles"
)

// newLabVerifyCmd is `hactl lab verify DIR`: the lab's HA claims, measured.
func newLabVerifyCmd() *cobra.Command {
	var file string
	var only []string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Send requests through the lab's front VIP while faults are applied; print failed requests, recovery times and lost writes",
		Long: `verify reads the lab's scenario file (DIR/verify.yml), sends an HTTP request
through the front VIP every ~50 ms from this machine (and, when the file has
writes, creates items and reads them back at the end), and runs each scenario
in turn: kill, stop or cut a host and bring it back once the service has
recovered (a scenario may lose all its hosts at once: together: true), or
run a playbook such as a rolling update. A scenario's checks are commands
run over SSH on a host the fault spared (e.g. docker node ls on another
manager), retried until they pass or the recovery timeout ends. It prints,
per scenario, the requests sent, the failed ones, the longest outage (first
failed request to the first successful one after it), the acknowledged
writes lost and the checks, and exits 1 when a scenario misses its targets.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			ctx, cancel := labContext()
			defer cancel()
			if file == "" {
				file = filepath.Join(args[0], "verify.yml")
			}
			results, writes, err := labVerify(ctx, args[0], file, only, cmd)
			if err != nil {
				return labErr(ctx, err)
			}
			if err := labverify.WriteTable(cmd.OutOrStdout(), results, writes); err != nil {
				return exitf(1, "%v", err)
			}
			if labverify.Missed(results) {
				return exitf(1, "a scenario missed its targets")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the scenario file (default DIR/verify.yml)")
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only the scenarios with these names")
	return cmd
}

// labVerify loads the scenario file and the lab's inventory and runs the
// scenarios; it reports whether writes were measured.
func labVerify(ctx context.Context, dir, file string, only []string, cmd *cobra.Command) ([]labverify.Result, bool, error) {
	cfg, err := labverify.LoadConfig(file)
	if err != nil {
		return nil, false, err
	}
	if len(only) > 0 {
		cfg.Scenarios = slices.DeleteFunc(cfg.Scenarios, func(s labverify.Scenario) bool { return !slices.Contains(only, s.Name) })
		if len(cfg.Scenarios) == 0 {
			return nil, false, fmt.Errorf("--only %s: no such scenario in %s", strings.Join(only, ","), file)
		}
	}
	overrides, err := labOverrides([]string{dir})
	if err != nil {
		return nil, false, err
	}
	if overrides == nil {
		return nil, false, fmt.Errorf("%s is not a lab directory", dir)
	}
	base := runner.Options{
		Inventories:   []string{dir},
		HostOverrides: overrides,
		RoleFS:        roles.FS(),
		Connection:    transport.Defaults{DialRetries: 2},
	}
	loaded, err := runner.Load(base)
	if err != nil {
		return nil, false, err
	}
	inv := loaded.Inventory
	host := cfg.VarsHost
	if host == "" {
		all := inv.GroupsMap()["all"]
		if len(all) == 0 {
			return nil, false, fmt.Errorf("%s: the inventory has no host", dir)
		}
		host = all[0]
	}
	vars := maps.Clone(inv.HostVars(host))
	maps.Copy(vars, overrides[host])
	vars["inventory_hostname"] = host
	vars["groups"] = inv.GroupsMap()
	engine := template.New()
	if err := cfg.Render(func(name, text string) (string, error) { return engine.Render(name, text, vars) }); err != nil {
		return nil, false, fmt.Errorf("%s: %w", file, err)
	}
	steps, err := cfg.Steps(inv.GroupsMap())
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "verify: %d steps against %s\n", len(steps), cfg.Target)
	env := &labverify.LabEnv{Dir: dir, Run: base, PlaybookDir: filepath.Dir(file), Output: cmd.ErrOrStderr()}
	r := &labverify.Runner{Config: cfg, Steps: steps, Env: env, Log: cmd.ErrOrStderr()}
	results, err := r.Run(ctx)
	return results, cfg.Writes != nil, err
}
